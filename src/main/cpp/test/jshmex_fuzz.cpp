// Fuzzer of the segment header parser of jshmex.h (check_header, and read_header and
// attach_segment behind it), which reads files that any process of the same user, or a crashed
// one, may have left in /dev/shm.
//
// Two builds of this one file:
//  - with -DJSHMEX_LIBFUZZER and clang -fsanitize=fuzzer: a libFuzzer target. An input is the
//    64 header bytes, then the file size as 8 little-endian bytes, then a flag byte whose low bit
//    also sends the input through a real /dev/shm file.
//  - without it: a deterministic random-mutation driver (so it runs with g++ alone, the same on
//    every run for a given --seed) that also writes seed inputs for the libFuzzer build.
//
// Both check every verdict against reference_accepts(), an independent statement of what a
// valid header is, and that nothing an accepted header leads to reads out of bounds.
#include "jshmex.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define JSHMEX_FUZZ_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSHMEX_FUZZ_SANITIZED 1
#endif
#endif
#if defined(JSHMEX_FUZZ_SANITIZED) && !defined(JSHMEX_LIBFUZZER)
#include <sanitizer/common_interface_defs.h>
#endif

using namespace jshmex;

namespace {

__extension__ typedef unsigned __int128 u128;

const std::uint64_t MAX_REAL_FILE = 1 << 20;  // larger files would only test tmpfs, slowly

// ---- the reference: written from the format's description, not from check_header ----

std::uint32_t reference_checksum(const unsigned char* bytes) {
    std::uint32_t hash = 0x811C9DC5u;
    for (int i = 0; i < 60; i++) hash = (hash ^ bytes[i]) * 0x01000193u;
    return hash;
}

unsigned reference_element_size(std::uint32_t type) {
    switch (type) {
        case 2: case 3: return 2;          // short, char
        case 4: case 6: return 4;          // int, float
        case 5: case 7: return 8;          // long, double
        default: return 1;                 // raw bytes, byte, boolean, and types 9..15
    }
}

bool reference_accepts(const SegmentHeader& h, std::uint64_t fileBytes) {
    if (fileBytes < 64) return false;
    if (h.magic != 0x31584D4853484A00ULL || h.version != 1) return false;
    if (reference_checksum(reinterpret_cast<const unsigned char*>(&h)) != h.checksum) return false;
    if (h.elementType > 15 || h.dataOffset != 64 || h.reserved != 0) return false;
    if (static_cast<u128>(h.dataBytes) + 64 > fileBytes) return false;
    return static_cast<u128>(h.elementCount) * reference_element_size(h.elementType) <= h.dataBytes;
}

// ---- cleanup of the one file the fuzzer uses at a time ----

char g_path[128];

void cleanup() {
    if (g_path[0] != '\0') unlink(g_path);
}

void on_signal(int sig) {
    cleanup();
    std::signal(sig, SIG_DFL);
    raise(sig);
}

const char* segment_name() { return g_path + std::strlen("/dev/shm/"); }

void init_names() {
    if (g_path[0] != '\0') return;
    std::snprintf(g_path, sizeof g_path, "/dev/shm/jshmex_ctest_%d_fuzz", static_cast<int>(getpid()));
    std::atexit(cleanup);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
#if defined(JSHMEX_FUZZ_SANITIZED) && !defined(JSHMEX_LIBFUZZER)
    // libFuzzer sets its own death callback to save the crashing input; keep it there
    __sanitizer_set_death_callback(cleanup);
#endif
}

// ---- verdicts ----

struct Stats {
    unsigned long long cases, accepted, rejected, fileCases, fileAccepted, fileRejected;
    unsigned long long reasons[8];
};
Stats g_stats;
const char* const REASONS[] = {"bad magic", "header version", "checksum", "unknown element type",
                               "bad data offset", "truncated", "element count", "other"};

const char* g_context = "";  // what produced the current case, for the failure report

[[noreturn]] void fuzz_fail(const SegmentHeader& h, std::uint64_t fileBytes, const std::string& what) {
    const unsigned char* b = reinterpret_cast<const unsigned char*>(&h);
    std::fprintf(stderr, "jshmex_fuzz: FAILED (%s): %s\n  fileBytes=%llu header=", g_context, what.c_str(),
                 static_cast<unsigned long long>(fileBytes));
    for (int i = 0; i < 64; i++) std::fprintf(stderr, "%02x", b[i]);
    std::fprintf(stderr, "\n");
    cleanup();
    std::abort();
}

void count_reason(const std::string& message) {
    for (int i = 0; i < 7; i++) {
        if (message.find(REASONS[i]) != std::string::npos) {
            g_stats.reasons[i]++;
            return;
        }
    }
    g_stats.reasons[7]++;
}

// One header checked in memory. The copy on the heap, exactly 64 bytes long, lets
// AddressSanitizer catch any read past the header.
bool fuzz_in_memory(const SegmentHeader& h, std::uint64_t fileBytes, const char* name) {
    if (fileBytes < 64) return false;  // check_header's contract: the caller checked this
    SegmentHeader* exact = new SegmentHeader(h);
    bool accepted = true;
    std::string message;
    try {
        check_header(*exact, fileBytes, name);
    } catch (const std::runtime_error& e) {
        accepted = false;
        message = e.what();
    }
    delete exact;
    g_stats.cases++;
    bool expected = reference_accepts(h, fileBytes);
    if (accepted != expected)
        fuzz_fail(h, fileBytes, std::string("check_header ") + (accepted ? "accepted" : "rejected")
                                    + " a header the reference " + (expected ? "accepts" : "rejects")
                                    + (accepted ? "" : ": " + message));
    if (!accepted) {
        if (message.compare(0, 11, "[errno=22] ") != 0) fuzz_fail(h, fileBytes, "wrong errno: " + message);
        g_stats.rejected++;
        count_reason(message);
        return false;
    }
    // the invariants the Java side relies on, restated on their own
    if (h.dataOffset != 64) fuzz_fail(h, fileBytes, "accepted dataOffset != 64");
    if (h.dataBytes > fileBytes - 64) fuzz_fail(h, fileBytes, "accepted dataBytes beyond the file");
    if (static_cast<u128>(h.elementCount) * element_size(h.elementType) > h.dataBytes)
        fuzz_fail(h, fileBytes, "accepted elementCount * elementSize > dataBytes");
    if (h.elementType > 15) fuzz_fail(h, fileBytes, "accepted elementType > 15");
    g_stats.accepted++;
    return true;
}

// The same header through a real file in /dev/shm of `size` bytes (its first min(size, 64)
// bytes are the header): read_header and attach_segment must agree with the reference, and an
// accepted segment must be readable to its last mapped byte.
void fuzz_file(const SegmentHeader& h, std::uint64_t size) {
    init_names();
    int fd = open(g_path, O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        std::perror(g_path);
        std::abort();
    }
    std::size_t headerBytes = size < 64 ? static_cast<std::size_t>(size) : 64;
    // fully backed, as segments of this library are (a sparse file is refused on its own count)
    bool written = (headerBytes == 0 || pwrite(fd, &h, headerBytes, 0) == static_cast<ssize_t>(headerBytes))
                   && ftruncate(fd, static_cast<off_t>(size)) == 0
                   && (size == 0 || posix_fallocate(fd, 0, static_cast<off_t>(size)) == 0);
    close(fd);
    if (!written) {
        cleanup();
        std::perror("writing the fuzz file");
        std::abort();
    }
    bool expected = size >= 64 && reference_accepts(h, size);
    struct stat st;
    long long inode = stat(g_path, &st) == 0 ? static_cast<long long>(st.st_ino) : -1;
    g_stats.fileCases++;

    long long info[7];  // exactly as many as fill_info writes, so an overflow is reported
    std::string message;
    bool accepted = true;
    try {
        read_header(segment_name(), info);
    } catch (const std::runtime_error& e) {
        accepted = false;
        message = e.what();
    }
    if (accepted != expected)
        fuzz_fail(h, size, std::string("read_header ") + (accepted ? "accepted " : "rejected ") + message);
    if (!accepted && message.compare(0, 11, "[errno=22] ") != 0)
        fuzz_fail(h, size, "read_header, wrong errno: " + message);

    std::uintptr_t base = 0;
    message.clear();
    accepted = true;
    try {
        base = attach_segment(segment_name(), info);
    } catch (const std::runtime_error& e) {
        accepted = false;
        message = e.what();
    }
    if (accepted != expected)
        fuzz_fail(h, size, std::string("attach_segment ") + (accepted ? "accepted " : "rejected ") + message);
    if (!accepted) {
        if (message.compare(0, 11, "[errno=22] ") != 0) fuzz_fail(h, size, "attach_segment, wrong errno: " + message);
        g_stats.fileRejected++;
    } else {
        g_stats.fileAccepted++;
        if (info[0] != static_cast<long long>(64 + h.dataBytes) || info[1] != static_cast<long long>(h.elementType)
            || info[2] != static_cast<long long>(h.elementCount) || info[3] != static_cast<long long>(h.dataBytes)
            || info[4] != h.creatorPid || info[5] != h.creatorStartMs || info[6] != inode)
            fuzz_fail(h, size, "attach_segment info differs from the header");
        // a mapping past the end of the file would SIGBUS when read: the length must fit
        if (static_cast<std::uint64_t>(info[0]) > size) fuzz_fail(h, size, "mapping longer than the file");
        const volatile unsigned char* p = reinterpret_cast<const volatile unsigned char*>(base);
        unsigned sum = 0;
        for (long long i = 0; i < info[0]; i++) sum += p[i];
        if (std::memcmp(const_cast<const unsigned char*>(p), &h, 64) != 0)
            fuzz_fail(h, size, "mapped header differs from the file");
        (void)sum;
        unmap(base, info[0]);
    }
    unlink(g_path);
}

}  // namespace

#ifdef JSHMEX_LIBFUZZER

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

// Plain byte mutation almost never gets a valid FNV checksum, so most inputs would stop at the
// checksum check: repair magic, version and checksum often enough to get past it.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
    size = LLVMFuzzerMutate(data, size, maxSize);
    if (size < 64) return size;
    SegmentHeader h;
    std::memcpy(&h, data, 64);
    if (seed % 2 == 0) {
        h.magic = HEADER_MAGIC;
        h.version = HEADER_VERSION;
    }
    if (seed % 4 != 3) h.checksum = header_checksum(h);
    std::memcpy(data, &h, 64);
    return size;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    g_context = "libFuzzer input";
    SegmentHeader h;
    std::memset(&h, 0, sizeof h);
    std::memcpy(&h, data, size < 64 ? size : 64);
    std::uint64_t fileBytes = 64;
    if (size > 64) {
        unsigned char le[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::memcpy(le, data + 64, size - 64 < 8 ? size - 64 : 8);
        fileBytes = 0;
        for (int i = 7; i >= 0; i--) fileBytes = fileBytes << 8 | le[i];
    }
    fuzz_in_memory(h, fileBytes, "fuzz");
    if (size > 72 && (data[72] & 1) != 0 && fileBytes <= MAX_REAL_FILE) fuzz_file(h, fileBytes);
    return 0;
}

#else  // the deterministic driver

namespace {

std::uint64_t g_rng;

std::uint64_t next() {  // splitmix64: fast, and the same sequence everywhere for a seed
    std::uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

const std::uint64_t INTERESTING[] = {0, 1, 2, 7, 8, 15, 16, 63, 64, 65, 127, 128, 4095, 4096, 65536,
                                     0x7FFFFFFFULL, 0x80000000ULL, 0xFFFFFFFFULL, 0x100000000ULL,
                                     1ULL << 46, (1ULL << 46) + 1, (1ULL << 61) + 1, (1ULL << 62) + 1,
                                     (1ULL << 63) - 1, 1ULL << 63, ~0ULL - 64, ~0ULL - 63, ~0ULL - 1, ~0ULL};
const std::size_t N_INTERESTING = sizeof INTERESTING / sizeof INTERESTING[0];

std::uint64_t some_value() {
    switch (below(4)) {
        case 0: return INTERESTING[below(N_INTERESTING)];
        case 1: {
            std::uint64_t near = INTERESTING[below(N_INTERESTING)];
            return near + below(3) - 1;
        }
        case 2: return below(1 << 20);
        default: return next();
    }
}

std::uint64_t some_data_bytes() {
    switch (below(8)) {
        case 0: return 0;
        case 1: return below(64);
        case 2: case 3: case 4: return below(8192);
        case 5: return below(MAX_REAL_FILE - 64);
        case 6: return below(1ULL << 46);
        default: return some_value();
    }
}

SegmentHeader plausible_header() {
    std::uint32_t type = static_cast<std::uint32_t>(below(16));
    std::uint64_t dataBytes = some_data_bytes();
    std::uint64_t maxCount = dataBytes / element_size(type);
    std::uint64_t count = below(4) == 0 ? maxCount : below(maxCount + 1);
    // one draw per statement: the order of evaluation of arguments differs between compilers,
    // and a seed must give the same cases everywhere
    std::int64_t pid = static_cast<std::int64_t>(below(1 << 22));
    std::int64_t startMs = static_cast<std::int64_t>(1700000000000ULL + below(1ULL << 40));
    SegmentHeader h;
    init_header(&h, type, count, dataBytes, pid, startMs);
    return h;
}

// A file size that holds the header's data, with room to spare one time in four.
std::uint64_t fitting_size(const SegmentHeader& h) {
    std::uint64_t n = 64 + h.dataBytes;
    return below(4) == 0 ? n + below(4096) : n;
}

// Mostly a fitting size, else anything from 64 up.
std::uint64_t size_for(const SegmentHeader& h) {
    if (h.dataBytes > ~0ULL - 64 - 4096 || below(8) == 0) return 64 + some_value() % (~0ULL - 64);
    return fitting_size(h);
}

void set_field(SegmentHeader& h, unsigned field, std::uint64_t v) {
    switch (field) {
        case 0: h.magic = v; break;
        case 1: h.version = static_cast<std::uint32_t>(v); break;
        case 2: h.elementType = static_cast<std::uint32_t>(v); break;
        case 3: h.elementCount = v; break;
        case 4: h.dataOffset = v; break;
        case 5: h.dataBytes = v; break;
        case 6: h.creatorPid = static_cast<std::int64_t>(v); break;
        case 7: h.creatorStartMs = static_cast<std::int64_t>(v); break;
        case 8: h.reserved = static_cast<std::uint32_t>(v); break;
        default: h.checksum = static_cast<std::uint32_t>(v); break;
    }
}

const char* const KINDS[] = {"random bytes", "random fields, repaired checksum", "one field changed",
                             "one field changed, checksum recomputed", "truncated size",
                             "huge lengths, checksum recomputed", "bit flips", "valid"};
const unsigned N_KINDS = 8;

void make_case(unsigned kind, SegmentHeader& h, std::uint64_t& fileBytes) {
    switch (kind) {
        case 0: {
            unsigned char* b = reinterpret_cast<unsigned char*>(&h);
            for (int i = 0; i < 64; i += 8) {
                std::uint64_t r = next();
                std::memcpy(b + i, &r, 8);
            }
            fileBytes = 64 + some_value() % (~0ULL - 64);
            break;
        }
        case 1: {
            for (unsigned f = 2; f < 9; f++) set_field(h, f, some_value());
            h.magic = HEADER_MAGIC;
            h.version = HEADER_VERSION;
            if (below(2) == 0) h.dataOffset = 64;
            if (below(2) == 0) h.elementType = static_cast<std::uint32_t>(below(20));
            h.checksum = header_checksum(h);
            fileBytes = size_for(h);
            break;
        }
        case 2:
        case 3: {
            h = plausible_header();
            fileBytes = size_for(h);
            unsigned field = static_cast<unsigned>(below(10));
            set_field(h, field, some_value());
            if (kind == 3) h.checksum = header_checksum(h);
            break;
        }
        case 4: {
            h = plausible_header();
            if (h.dataBytes > ~0ULL - 64) {
                fileBytes = ~0ULL - below(64);
                break;
            }
            std::uint64_t limit = below(2) == 0 && h.dataBytes > 64 ? 64 : h.dataBytes;
            std::uint64_t cut = h.dataBytes == 0 ? 0 : 1 + below(limit);
            fileBytes = 64 + h.dataBytes - cut;
            break;
        }
        case 5: {
            h = plausible_header();
            if (below(2) == 0) h.dataBytes = INTERESTING[N_INTERESTING - 1 - below(12)];
            if (below(2) == 0) h.elementCount = INTERESTING[N_INTERESTING - 1 - below(12)];
            if (below(4) == 0) h.dataOffset = INTERESTING[below(N_INTERESTING)];
            h.checksum = header_checksum(h);
            fileBytes = below(2) == 0 ? size_for(h) : ~0ULL - below(128);
            break;
        }
        case 6: {
            h = plausible_header();
            fileBytes = size_for(h);
            unsigned char* b = reinterpret_cast<unsigned char*>(&h);
            for (std::uint64_t flips = 1 + below(4); flips > 0; flips--) {
                std::uint64_t bit = below(64 * 8);
                b[bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
            }
            if (below(2) == 0) h.checksum = header_checksum(h);
            break;
        }
        default: {
            do {
                h = plausible_header();
            } while (h.dataBytes > ~0ULL - 64 - 4096);
            fileBytes = fitting_size(h);
            break;
        }
    }
}

// A size for the real file: the case's own when small enough, else a small one, now and then
// shorter than the header.
std::uint64_t real_size(const SegmentHeader& h, std::uint64_t fileBytes) {
    if (below(6) == 0) return below(64);
    if (fileBytes <= MAX_REAL_FILE) return fileBytes;
    if (h.dataBytes <= MAX_REAL_FILE - 64) {
        std::uint64_t extra = below(2) == 0 ? 0 : below(100);
        return h.dataBytes + 64 + extra;
    }
    return 64 + below(8192);
}

void write_seeds(const char* dir) {
    // valid headers of every type with small files, each also sent through a real file
    for (unsigned t = 0; t < 16; t++) {
        SegmentHeader h;
        std::uint64_t dataBytes = t * 40;
        init_header(&h, t, dataBytes / element_size(t), dataBytes, 100 + t, 1700000000000LL);
        unsigned char input[73];
        std::memcpy(input, &h, 64);
        std::uint64_t fileBytes = 64 + dataBytes + (t % 3) * 8;
        for (int i = 0; i < 8; i++) input[64 + i] = static_cast<unsigned char>(fileBytes >> (8 * i));
        input[72] = static_cast<unsigned char>(t % 2);
        std::string path = std::string(dir) + "/seed_type" + std::to_string(t);
        FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr || std::fwrite(input, 1, sizeof input, f) != sizeof input) {
            std::perror(path.c_str());
            std::exit(1);
        }
        std::fclose(f);
    }
}

}  // namespace

int main(int argc, char** argv) {
    unsigned long long cases = 200000;
    std::uint64_t seed = 0x6A73686D6578ULL;
    for (int i = 1; i < argc; i++) {
        if (std::strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            cases = std::strtoull(argv[++i], nullptr, 10);
        } else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 0);
        } else if (std::strcmp(argv[i], "--write-seeds") == 0 && i + 1 < argc) {
            write_seeds(argv[++i]);
            return 0;
        } else {
            std::fprintf(stderr, "usage: %s [--cases N] [--seed S] [--write-seeds DIR]\n", argv[0]);
            return 2;
        }
    }
    init_names();
    g_rng = seed;
    std::string long_name(250, 'z');
    unsigned long long perKind[N_KINDS][2] = {};
    for (unsigned long long i = 0; i < cases; i++) {
        // shifted every 100 cases, so that the cases sent through files (i % 100 == 0) are not
        // all of the same kinds
        unsigned kind = static_cast<unsigned>((i + i / 100) % N_KINDS);
        g_context = KINDS[kind];
        SegmentHeader h;
        std::memset(&h, 0, sizeof h);
        std::uint64_t fileBytes = 64;
        make_case(kind, h, fileBytes);
        bool accepted = fuzz_in_memory(h, fileBytes, i % 1000 == 0 ? long_name.c_str() : "fuzz");
        perKind[kind][accepted ? 0 : 1]++;
        if (kind == 7 && !accepted) fuzz_fail(h, fileBytes, "a valid header was rejected");
        if (i % 100 == 0) fuzz_file(h, real_size(h, fileBytes));
    }
    cleanup();
    if (access(g_path, F_OK) == 0) {
        std::fprintf(stderr, "jshmex_fuzz: %s left behind\n", g_path);
        return 1;
    }

    std::printf("jshmex_fuzz: by kind (accepted/rejected):");
    for (unsigned k = 0; k < N_KINDS; k++) std::printf("%s %s %llu/%llu", k == 0 ? "" : ",", KINDS[k], perKind[k][0], perKind[k][1]);
    std::printf("\njshmex_fuzz: rejected for:");
    for (int r = 0; r < 8; r++) std::printf("%s %s %llu", r == 0 ? "" : ",", REASONS[r], g_stats.reasons[r]);
    std::printf("\njshmex_fuzz: %llu cases, %llu accepted, %llu rejected; %llu through /dev/shm files "
                "(%llu attached, %llu refused); seed 0x%llx\n",
                g_stats.cases, g_stats.accepted, g_stats.rejected, g_stats.fileCases, g_stats.fileAccepted,
                g_stats.fileRejected, static_cast<unsigned long long>(seed));
    return 0;
}

#endif
