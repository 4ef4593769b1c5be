#!/bin/bash
# Builds and tests the native layer, src/main/cpp/jshmex.h, on its own: its test program and a
# fuzzer of its header parser, both under AddressSanitizer and UndefinedBehaviorSanitizer.
# The Java binding itself is compiled by JavaCPP during the Maven build, not here.
#
#   cppbuild.sh [install|clean] [-platform P]
#
# The command line follows the JavaCPP presets' cppbuild.sh scripts: the operation defaults to
# install, the platform to $PLATFORM or else to the one of this machine. install builds into
# cppbuild/<platform>/ and fails on any failed check or sanitizer report; clean removes cppbuild/.
set -euo pipefail

cd "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() {
    echo "usage: $0 [install|clean] [-platform linux-x86_64|linux-arm64|macosx-x86_64|macosx-arm64]"
    exit "${1:-1}"
}

detect_platform() {
    case "$(uname -s)-$(uname -m)" in
        Linux-x86_64) echo linux-x86_64 ;;
        Linux-aarch64 | Linux-arm64) echo linux-arm64 ;;
        Darwin-x86_64) echo macosx-x86_64 ;;
        Darwin-arm64) echo macosx-arm64 ;;
        *) echo "$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)" ;;
    esac
}

OPERATION=install
PLATFORM=${PLATFORM:-}
while [[ $# -gt 0 ]]; do
    case "$1" in
        install | clean) OPERATION=$1 ;;
        -platform)
            [[ $# -ge 2 ]] || usage
            PLATFORM=$2
            shift
            ;;
        -platform=*) PLATFORM=${1#-platform=} ;;
        -extension)  # accepted like the presets do; there are no extensions here
            [[ $# -ge 2 ]] || usage
            shift
            ;;
        -h | --help) usage 0 ;;
        *)
            echo "Error: unknown argument \"$1\""
            usage
            ;;
    esac
    shift
done
[[ -n $PLATFORM ]] || PLATFORM=$(detect_platform)

if [[ $OPERATION == clean ]]; then
    rm -rf cppbuild
    echo "cppbuild: removed cppbuild/"
    exit 0
fi

SRC=src/main/cpp
BUILD=cppbuild/$PLATFORM
FLAGS=(-std=c++11 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
       -Wall -Wextra -Werror -I "$SRC")
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
LIBFUZZER_RUNS=200000

CHECKS=0
FUZZ_CASES=0
LIBFUZZER_DONE=0
RUNNING=

# The programs remove their /dev/shm files themselves, but a report of the UBSan runtime, or a
# kill, ends them before they can: every name they make contains their pid, so remove those
# names here, after each run, whatever happened to it.
remove_leftovers() {
    local pid=$1
    [[ -n $pid ]] || return 0
    local left
    for left in /dev/shm/jshmex_ctest_"${pid}"_*; do
        [[ -e $left || -L $left ]] || continue
        echo "cppbuild: removing $left left by pid $pid"
        rm -rf -- "$left"
    done
}

on_interrupt() {
    if [[ -n $RUNNING ]]; then
        kill "$RUNNING" 2>/dev/null || true
        wait "$RUNNING" 2>/dev/null || true
        remove_leftovers "$RUNNING"
    fi
    exit 130
}
trap on_interrupt INT TERM

# run LOG RUNNER... PROGRAM ARGS...: runs in the background to know its pid, logs its output,
# and prints the log if it fails.
run_logged() {
    local log=$1
    shift
    local rc=0
    "$@" >"$log" 2>&1 &
    RUNNING=$!
    wait "$RUNNING" || rc=$?
    remove_leftovers "$RUNNING"
    RUNNING=
    if [[ $rc -ne 0 ]]; then
        cat "$log"
        echo "Error: $* failed with exit code $rc (log: $log)"
        exit 1
    fi
}

# build_and_test CXX [RUNNER...]: the test program and the deterministic fuzz driver, run
# through RUNNER (an emulator) when given.
build_and_test() {
    local cxx=$1
    shift
    local runner=("$@")
    mkdir -p "$BUILD"

    echo "cppbuild: $cxx: compiling jshmex_test"
    "$cxx" "${FLAGS[@]}" "$SRC/test/jshmex_test.cpp" -o "$BUILD/jshmex_test" -lrt
    echo "cppbuild: $cxx: compiling jshmex_fuzz"
    "$cxx" "${FLAGS[@]}" "$SRC/test/jshmex_fuzz.cpp" -o "$BUILD/jshmex_fuzz" -lrt

    run_logged "$BUILD/jshmex_test.log" ${runner[@]+"${runner[@]}"} "$BUILD/jshmex_test"
    grep -E "not root|jshmex_test:" "$BUILD/jshmex_test.log" || true
    CHECKS=$(sed -n 's/^jshmex_test: \([0-9]*\) passed, 0 failed$/\1/p' "$BUILD/jshmex_test.log")

    run_logged "$BUILD/jshmex_fuzz.log" ${runner[@]+"${runner[@]}"} "$BUILD/jshmex_fuzz"
    cat "$BUILD/jshmex_fuzz.log"
    FUZZ_CASES=$(sed -n 's/^jshmex_fuzz: \([0-9]*\) cases,.*/\1/p' "$BUILD/jshmex_fuzz.log")
}

# libFuzzer needs clang; on Debian-like machines it is installed when missing, as root.
ensure_clang() {
    command -v clang++ >/dev/null && return 0
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        return 1
    fi
    echo "cppbuild: installing clang for libFuzzer (apt-get install clang)"
    local log=$BUILD/apt-get.log
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >"$log" 2>&1; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >>"$log" 2>&1 || {
            tail -5 "$log"
            return 1
        }
    fi
    command -v clang++ >/dev/null
}

libfuzzer() {
    if ! ensure_clang; then
        echo "cppbuild: skipping libFuzzer: no clang++ (install clang, or run as root with apt-get)"
        return 0
    fi
    printf '#include <cstddef>\n#include <cstdint>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' \
        >"$BUILD/libfuzzer_probe.cpp"
    if ! clang++ -fsanitize=fuzzer "$BUILD/libfuzzer_probe.cpp" -o "$BUILD/libfuzzer_probe" >/dev/null 2>&1; then
        echo "cppbuild: skipping libFuzzer: this clang++ cannot link -fsanitize=fuzzer"
        return 0
    fi
    echo "cppbuild: clang++: compiling jshmex_fuzz with libFuzzer"
    clang++ "${FLAGS[@]}" -fsanitize=fuzzer -DJSHMEX_LIBFUZZER "$SRC/test/jshmex_fuzz.cpp" -o "$BUILD/jshmex_libfuzzer" -lrt
    # a fresh corpus from the seeds each time, so that a run does not depend on the last one
    rm -rf "$BUILD/fuzz_corpus"
    mkdir -p "$BUILD/fuzz_corpus"
    "$BUILD/jshmex_fuzz" --write-seeds "$BUILD/fuzz_corpus"
    run_logged "$BUILD/jshmex_libfuzzer.log" "$BUILD/jshmex_libfuzzer" -seed=1 -runs=$LIBFUZZER_RUNS -max_len=80 \
        -max_total_time=60 -print_final_stats=1 -artifact_prefix="$BUILD/" "$BUILD/fuzz_corpus"
    grep -E "^Done|stat::new_units_added" "$BUILD/jshmex_libfuzzer.log" | sed 's/^/libFuzzer: /'
    LIBFUZZER_DONE=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$BUILD/jshmex_libfuzzer.log")
}

case $PLATFORM in
    linux-x86_64)
        build_and_test g++
        libfuzzer
        ;;
    linux-arm64)
        if [[ $(uname -s)-$(uname -m) == Linux-aarch64 ]]; then
            build_and_test g++
            libfuzzer
        elif command -v aarch64-linux-gnu-g++ >/dev/null; then
            if command -v qemu-aarch64 >/dev/null; then
                # LeakSanitizer cannot stop the threads of a process under qemu-user (as under
                # ptrace); the native builds check for leaks
                echo "cppbuild: running under qemu-aarch64, without leak detection"
                export ASAN_OPTIONS=detect_leaks=0
                build_and_test aarch64-linux-gnu-g++ qemu-aarch64 -L /usr/aarch64-linux-gnu
            else
                # without an emulator the cross build only proves that the header compiles
                mkdir -p "$BUILD"
                for program in jshmex_test jshmex_fuzz; do
                    echo "cppbuild: aarch64-linux-gnu-g++: compiling $program"
                    aarch64-linux-gnu-g++ "${FLAGS[@]}" "$SRC/test/$program.cpp" -o "$BUILD/$program" -lrt
                done
                echo "cppbuild: $PLATFORM cross-built into $BUILD/ but not run: no qemu-aarch64 on PATH"
                exit 0
            fi
        else
            echo "Error: Platform \"$PLATFORM\" is not supported on this host yet: needs aarch64-linux-gnu-g++ on PATH"
            echo "       (Debian: apt-get install g++-aarch64-linux-gnu; add qemu-user to also run the tests)"
            exit 1
        fi
        ;;
    macosx-x86_64 | macosx-arm64)
        echo "Error: Platform \"$PLATFORM\" is not supported yet. jshmex.h and its test assume Linux and need a port:"
        echo "  - segments are listed and checked as files in /dev/shm; macOS has no /dev/shm listing"
        echo "  - shm names are limited to 31 characters (PSHMNAMLEN) there, not 250"
        echo "  - posix_fallocate does not exist for shm objects; only ftruncate, once, sizes them"
        echo "  - mmap has no MAP_POPULATE"
        exit 1
        ;;
    *)
        echo "Error: Platform \"$PLATFORM\" is not supported"
        exit 1
        ;;
esac

echo "cppbuild: $PLATFORM OK ($CHECKS checks, $((FUZZ_CASES + LIBFUZZER_DONE)) fuzz cases: $FUZZ_CASES driver + $LIBFUZZER_DONE libFuzzer)"
