// Standalone test of jshmex.h against the real /dev/shm, built and run by cppbuild.sh under
// AddressSanitizer and UndefinedBehaviorSanitizer.
//
// Every name made here is "jshmex_ctest_<pid>_<tag>", so that runs in parallel never collide
// and a leftover can be traced back to the run that left it. All of them are removed at the
// end, on a failed check too, and also on SIGINT/SIGTERM and on an AddressSanitizer report.
// A report of the separate UBSan runtime, or a kill, ends the process before it can: for that,
// cppbuild.sh removes the names of the pid it ran.
#include "jshmex.h"

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define JSHMEX_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define JSHMEX_TEST_SANITIZED 1
#endif
#endif
#ifdef JSHMEX_TEST_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

using namespace jshmex;

namespace {

int g_checks = 0;
int g_failures = 0;

void report_failure(const char* file, int line, const std::string& what) {
    ++g_failures;
    std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
}

#define CHECK(cond)                                                   \
    do {                                                              \
        ++g_checks;                                                   \
        if (!(cond)) report_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
    } while (0)

#define CHECK_EQ(a, b)                                                                          \
    do {                                                                                        \
        ++g_checks;                                                                             \
        long long va_ = static_cast<long long>(a), vb_ = static_cast<long long>(b);             \
        if (va_ != vb_)                                                                         \
            report_failure(__FILE__, __LINE__,                                                  \
                           std::string("CHECK_EQ(" #a ", " #b "): ") + std::to_string(va_)      \
                               + " != " + std::to_string(vb_));                                 \
    } while (0)

// The Java side decides what to throw from the "[errno=N]" prefix alone, so that prefix is
// what these checks pin down.
#define CHECK_THROWS(expr, prefix)                                                              \
    do {                                                                                        \
        ++g_checks;                                                                             \
        std::string msg_ = thrown_message([&]() { (void)(expr); });                             \
        if (msg_.compare(0, std::strlen(prefix), prefix) != 0)                                  \
            report_failure(__FILE__, __LINE__,                                                  \
                           std::string(#expr " should throw \"" prefix "...\", got: ") + msg_);  \
    } while (0)

#define CHECK_ACCEPTS(expr)                                                                     \
    do {                                                                                        \
        ++g_checks;                                                                             \
        std::string msg_ = thrown_message([&]() { (void)(expr); });                             \
        if (msg_ != "(nothing thrown)")                                                         \
            report_failure(__FILE__, __LINE__, std::string(#expr " should succeed, got: ") + msg_); \
    } while (0)

#define CHECK_MSG(ok, text)                                                           \
    do {                                                                               \
        ++g_checks;                                                                    \
        if (!(ok)) report_failure(__FILE__, __LINE__, std::string(text));               \
    } while (0)

template <typename F>
std::string thrown_message(F f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("(not a runtime_error) ") + e.what();
    } catch (...) {
        return "(not a std::exception)";
    }
    return "(nothing thrown)";
}

// ---- cleanup: fixed storage, because the signal handler and the sanitizer death callback
// must not allocate ----

const int MAX_PATHS = 256;
char g_paths[MAX_PATHS][320];
int g_path_count = 0;

void cleanup_all() {
    for (int i = 0; i < g_path_count; i++)
        if (unlink(g_paths[i]) != 0 && (errno == EISDIR || errno == EPERM)) rmdir(g_paths[i]);
}

void on_signal(int sig) {
    cleanup_all();
    std::signal(sig, SIG_DFL);
    raise(sig);
}

void remember_path(const std::string& path) {
    if (g_path_count == MAX_PATHS || path.size() >= sizeof g_paths[0]) {
        std::fprintf(stderr, "test bug: too many paths or path too long: %s\n", path.c_str());
        std::abort();
    }
    std::strcpy(g_paths[g_path_count], path.c_str());
    g_path_count++;
}

std::string g_prefix;  // "jshmex_ctest_<pid>_"

// A fresh segment name; registered for cleanup before anything can create it.
std::string name_for(const std::string& tag) {
    std::string name = g_prefix + tag;
    remember_path("/dev/shm/" + name);
    return name;
}

std::string dev(const std::string& name) { return "/dev/shm/" + name; }

// What open_segment, attach_segment and read_header write into `info`. The arrays here are
// exactly this long, so that AddressSanitizer reports a write past the end.
const int INFO_LEN = 7;

void reset(long long* info, long long value) {
    for (int i = 0; i < INFO_LEN; i++) info[i] = value;
}

long long inode_of(const std::string& name) {
    struct stat st;
    return lstat(dev(name).c_str(), &st) == 0 ? static_cast<long long>(st.st_ino) : -1;
}

SegmentHeader valid_header(std::uint32_t type, std::uint64_t count, std::uint64_t dataBytes) {
    SegmentHeader h;
    init_header(&h, type, count, dataBytes, 4242, 1700000000000LL);
    return h;
}

// Writes a file straight into /dev/shm, as another program (or an attacker) could.
bool write_file(const std::string& name, const void* bytes, std::size_t n, off_t size, mode_t mode) {
    int fd = open(dev(name).c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return false;
    bool ok = fchmod(fd, mode) == 0;  // the umask must not decide the mode under test
    if (ok && n > 0) ok = pwrite(fd, bytes, n, 0) == static_cast<ssize_t>(n);
    if (ok && size >= 0) ok = ftruncate(fd, size) == 0;
    // back every page, as create_segment does: a sparse file is refused (see sparse_file_is_refused)
    if (ok && size > 0) ok = posix_fallocate(fd, 0, size) == 0;
    close(fd);
    return ok;
}

// A file sized with ftruncate only, no pages behind it.
bool write_sparse_file(const std::string& name, const void* bytes, std::size_t n, off_t size) {
    int fd = open(dev(name).c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    bool ok = pwrite(fd, bytes, n, 0) == static_cast<ssize_t>(n) && ftruncate(fd, size) == 0;
    close(fd);
    return ok;
}

bool write_header_file(const std::string& name, const SegmentHeader& h, off_t size, mode_t mode = 0600) {
    return write_file(name, &h, sizeof h, size, mode);
}

int count_open_fds() {
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    int n = 0;
    while (readdir(d) != nullptr) n++;
    closedir(d);
    return n;
}

// True if this process still maps any /dev/shm file whose name starts with `prefix`.
bool maps_contain(const std::string& prefix) {
    FILE* f = std::fopen("/proc/self/maps", "r");
    if (f == nullptr) return false;
    char line[4096];
    bool found = false;
    std::string needle = "/dev/shm/" + prefix;
    while (std::fgets(line, sizeof line, f) != nullptr)
        if (std::strstr(line, needle.c_str()) != nullptr) found = true;
    std::fclose(f);
    return found;
}

std::vector<std::string> shm_entries_with_prefix(const std::string& prefix) {
    std::vector<std::string> found;
    DIR* d = opendir("/dev/shm");
    if (d == nullptr) return found;
    while (struct dirent* e = readdir(d))
        if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) found.push_back(e->d_name);
    closedir(d);
    return found;
}

bool is_mapped(std::uintptr_t address, long long length) {
    return msync(reinterpret_cast<void*>(address), static_cast<std::size_t>(length), MS_ASYNC) == 0;
}

unsigned char* bytes_at(std::uintptr_t address) { return reinterpret_cast<unsigned char*>(address); }

// ---- tests ----

void test_constants() {
    long long page = page_size();
    CHECK_EQ(page, sysconf(_SC_PAGESIZE));
    CHECK(page >= 4096 && (page & (page - 1)) == 0);

    CHECK_EQ(header_field_offset(0), offsetof(SegmentHeader, magic));
    CHECK_EQ(header_field_offset(1), offsetof(SegmentHeader, version));
    CHECK_EQ(header_field_offset(2), offsetof(SegmentHeader, elementType));
    CHECK_EQ(header_field_offset(3), offsetof(SegmentHeader, elementCount));
    CHECK_EQ(header_field_offset(4), offsetof(SegmentHeader, dataOffset));
    CHECK_EQ(header_field_offset(5), offsetof(SegmentHeader, dataBytes));
    CHECK_EQ(header_field_offset(6), offsetof(SegmentHeader, creatorPid));
    CHECK_EQ(header_field_offset(7), offsetof(SegmentHeader, creatorStartMs));
    CHECK_EQ(header_field_offset(8), offsetof(SegmentHeader, checksum));
    CHECK_EQ(header_field_offset(9), sizeof(SegmentHeader));
    CHECK_EQ(header_field_offset(9), 64);
    CHECK_EQ(header_field_offset(10), -1);
    CHECK_EQ(header_field_offset(-1), -1);
    CHECK_EQ(header_field_offset(INT_MAX), -1);

    // the bytes a hex dump of a segment shows; both sides compare the magic as a native-order
    // number, so this pins the file format on little-endian machines
    SegmentHeader h = valid_header(0, 0, 0);
    CHECK(std::memcmp(&h, "\0JHSHMX1", 8) == 0);

    // mirrored by the Java descriptor: a change here is a change of the file format
    static const unsigned expected_sizes[] = {1, 1, 2, 2, 4, 8, 4, 8, 1};
    for (unsigned t = 0; t < 9; t++) CHECK_EQ(element_size(t), expected_sizes[t]);
    for (unsigned t = 9; t <= MAX_ELEMENT_TYPE + 1; t++) CHECK_EQ(element_size(t), 1);
}

void test_posix_name() {
    CHECK(posix_name("abc") == "/abc");
    std::string longest(250, 'n');
    CHECK(posix_name(longest.c_str()) == "/" + longest);
    CHECK_THROWS(posix_name(""), "[errno=22] ");
    CHECK_THROWS(posix_name(nullptr), "[errno=22] ");
    CHECK_THROWS(posix_name("a/b"), "[errno=22] ");
    CHECK_THROWS(posix_name("/abc"), "[errno=22] ");
    CHECK_THROWS(posix_name("abc/"), "[errno=22] ");
    std::string too_long(251, 'n');
    CHECK_THROWS(posix_name(too_long.c_str()), "[errno=22] ");
    std::string way_too_long(5000, 'n');
    CHECK_THROWS(posix_name(way_too_long.c_str()), "[errno=22] ");

    // every entry point validates before touching the file system
    long long info[INFO_LEN];
    CHECK_THROWS(create_segment("", 8, 0, 8, 1, 1), "[errno=22] ");
    CHECK_THROWS(create_segment("a/b", 8, 0, 8, 1, 1), "[errno=22] ");
    CHECK_THROWS(create_segment(too_long.c_str(), 8, 0, 8, 1, 1), "[errno=22] ");
    CHECK_THROWS(attach_segment("", info), "[errno=22] ");
    CHECK_THROWS(attach_segment("../etc/passwd", info), "[errno=22] ");
    CHECK_THROWS(read_header("", info), "[errno=22] ");
    CHECK_THROWS(read_header(too_long.c_str(), info), "[errno=22] ");
    CHECK_THROWS(unlink_segment(""), "[errno=22] ");
    CHECK_THROWS(unlink_segment("x/y"), "[errno=22] ");
}

void test_create_attach_read() {
    const long long dataBytes = 10000;
    std::string name = name_for("main");
    long long createdInode = -1;
    std::uintptr_t a = create_segment(name.c_str(), dataBytes, 7, dataBytes / 8, 1234, 5678, &createdInode);
    CHECK_EQ(createdInode, inode_of(name));
    const long long length = 64 + dataBytes;
    CHECK(a != 0);
    CHECK_EQ(a % static_cast<std::uintptr_t>(page_size()), 0);

    const SegmentHeader* h = reinterpret_cast<const SegmentHeader*>(a);
    CHECK(h->magic == HEADER_MAGIC);
    CHECK_EQ(h->version, HEADER_VERSION);
    CHECK_EQ(h->elementType, 7);
    CHECK_EQ(h->elementCount, dataBytes / 8);
    CHECK_EQ(h->dataOffset, 64);
    CHECK_EQ(h->dataBytes, dataBytes);
    CHECK_EQ(h->creatorPid, 1234);
    CHECK_EQ(h->creatorStartMs, 5678);
    CHECK_EQ(h->reserved, 0);
    CHECK_EQ(h->checksum, header_checksum(*h));
    CHECK_ACCEPTS(check_header(*h, length, name.c_str()));

    bool all_zero = true;
    for (long long i = 64; i < length; i++) all_zero = all_zero && bytes_at(a)[i] == 0;
    CHECK(all_zero);

    int fd = open(dev(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    CHECK(fd >= 0);
    struct stat st;
    std::memset(&st, 0, sizeof st);
    CHECK(fd >= 0 && fstat(fd, &st) == 0);
    if (fd >= 0) close(fd);
    CHECK(S_ISREG(st.st_mode));
    CHECK_EQ(st.st_mode & 07777, 0600);
    CHECK_EQ(st.st_uid, geteuid());
    CHECK_EQ(st.st_size, length);
    // fully backed: posix_fallocate reserved the pages, the file is not sparse
    CHECK(static_cast<long long>(st.st_blocks) * 512 >= length);

    // O_EXCL: a second create must neither succeed nor disturb the first segment
    CHECK_THROWS(create_segment(name.c_str(), 16, 0, 16, 1, 1), "[errno=17] ");
    CHECK_EQ(h->dataBytes, dataBytes);
    CHECK_EQ(h->checksum, header_checksum(*h));

    long long info[INFO_LEN];
    reset(info, -1);
    std::uintptr_t b = attach_segment(name.c_str(), info);
    CHECK(b != 0 && b != a);
    CHECK_EQ(info[0], length);
    CHECK_EQ(info[1], 7);
    CHECK_EQ(info[2], dataBytes / 8);
    CHECK_EQ(info[3], dataBytes);
    CHECK_EQ(info[4], 1234);
    CHECK_EQ(info[5], 5678);
    CHECK_EQ(info[6], inode_of(name));
    CHECK_EQ(info[6], st.st_ino);

    long long rinfo[INFO_LEN];
    reset(rinfo, -1);
    read_header(name.c_str(), rinfo);
    for (int i = 0; i < INFO_LEN; i++) CHECK_EQ(rinfo[i], info[i]);

    // one file behind both mappings: writes are visible both ways, at once
    for (long long i = 64; i < length; i++) bytes_at(a)[i] = static_cast<unsigned char>(i * 7);
    bool same = true;
    for (long long i = 64; i < length; i++) same = same && bytes_at(b)[i] == static_cast<unsigned char>(i * 7);
    CHECK(same);
    bytes_at(b)[length - 1] = 0x5A;
    CHECK_EQ(bytes_at(a)[length - 1], 0x5A);
    double* da = reinterpret_cast<double*>(a + 64);
    const double* db = reinterpret_cast<const double*>(b + 64);
    da[3] = 3.25;
    CHECK(db[3] == 3.25);

    unmap(b, info[0]);
    CHECK(!is_mapped(b, info[0]));
    CHECK(is_mapped(a, length));
    unmap(a, length);
    CHECK(!is_mapped(a, length));

    // the file outlives its mappings until unlinked
    read_header(name.c_str(), rinfo);
    CHECK_EQ(rinfo[3], dataBytes);
    CHECK(unlink_segment(name.c_str()));
    CHECK(!unlink_segment(name.c_str()));
    CHECK_THROWS(attach_segment(name.c_str(), info), "[errno=2] ");
    CHECK_THROWS(read_header(name.c_str(), info), "[errno=2] ");
    CHECK(access(dev(name).c_str(), F_OK) != 0);
}

// The descriptor kept by open_segment maps the segment again and again, also after its name is
// gone; that is how a segment outlives its name in the Java side.
void test_open_segment_map_fd() {
    const long long dataBytes = 3 * page_size() + 1;
    std::string name = name_for("openfd");
    std::uintptr_t a = create_segment(name.c_str(), dataBytes, 0, dataBytes, 77, 88);
    const long long length = 64 + dataBytes;
    bytes_at(a)[64] = 0x11;
    bytes_at(a)[length - 1] = 0x22;

    int fds = count_open_fds();
    long long info[INFO_LEN];
    reset(info, -1);
    int fd = open_segment(name.c_str(), info);
    CHECK(fd >= 0);
    CHECK_EQ(count_open_fds(), fds + 1);
    CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);  // never inherited by a forked worker
    CHECK((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR);
    CHECK_EQ(info[0], length);
    CHECK_EQ(info[1], 0);
    CHECK_EQ(info[2], dataBytes);
    CHECK_EQ(info[3], dataBytes);
    CHECK_EQ(info[4], 77);
    CHECK_EQ(info[5], 88);
    CHECK_EQ(info[6], inode_of(name));
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && static_cast<long long>(st.st_ino) == info[6]);

    CHECK(unlink_segment(name.c_str()));
    std::uintptr_t m1 = map_fd(fd, info[0]);
    std::uintptr_t m2 = map_fd(fd, info[0]);
    CHECK(m1 != m2 && m1 != a);
    CHECK_EQ(bytes_at(m1)[64], 0x11);
    CHECK_EQ(bytes_at(m2)[length - 1], 0x22);
    bytes_at(m1)[100] = 0x33;
    CHECK_EQ(bytes_at(a)[100], 0x33);
    CHECK_EQ(bytes_at(m2)[100], 0x33);
    std::uintptr_t part = map_fd(fd, 64);  // a prefix, e.g. the header alone
    CHECK_EQ(reinterpret_cast<const SegmentHeader*>(part)->dataBytes, dataBytes);
    unmap(part, 64);
    CHECK_THROWS(map_fd(fd, 0), "[errno=22] ");
    CHECK_THROWS(map_fd(-1, 4096), "[errno=9] ");

    close_fd(fd);
    CHECK_EQ(count_open_fds(), fds);
    CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
    CHECK_THROWS(map_fd(fd, 4096), "[errno=9] ");
    // the mappings hold the memory on their own
    CHECK_EQ(bytes_at(m2)[64], 0x11);
    unmap(m1, info[0]);
    unmap(m2, info[0]);
    unmap(a, length);

    // refused segments leave no descriptor open, and a missing one is ENOENT
    std::string bad = name_for("openfd_bad");
    SegmentHeader h = valid_header(0, 0, 100);
    CHECK(write_header_file(bad, h, 64 + 99));
    reset(info, -5);
    CHECK_THROWS(open_segment(bad.c_str(), info), "[errno=22] ");
    CHECK_EQ(info[0], -5);
    CHECK(unlink_segment(bad.c_str()));
    CHECK_THROWS(open_segment(bad.c_str(), info), "[errno=2] ");
    CHECK_THROWS(open_segment("", info), "[errno=22] ");
    CHECK_EQ(count_open_fds(), fds);
}

void test_create_mode_and_edges() {
    // the umask can only narrow the mode, and create_segment sets it exactly anyway
    std::string name = name_for("umask");
    mode_t old = umask(0777);
    std::uintptr_t a = 0;
    std::string msg = thrown_message([&]() { a = create_segment(name.c_str(), 100, 0, 100, 1, 2); });
    umask(old);
    CHECK(msg == "(nothing thrown)");
    struct stat st;
    CHECK(stat(dev(name).c_str(), &st) == 0 && (st.st_mode & 07777) == 0600);
    if (a != 0) unmap(a, 164);
    CHECK(unlink_segment(name.c_str()));

    // an empty segment is just its header
    std::string empty = name_for("empty");
    a = create_segment(empty.c_str(), 0, 0, 0, 1, 2);
    long long info[INFO_LEN];
    std::uintptr_t b = attach_segment(empty.c_str(), info);
    CHECK_EQ(info[0], 64);
    CHECK_EQ(info[2], 0);
    CHECK_EQ(info[3], 0);
    unmap(b, info[0]);
    unmap(a, 64);
    CHECK(unlink_segment(empty.c_str()));

    // every element type, with the largest element count its data allows
    for (int t = 0; t <= static_cast<int>(MAX_ELEMENT_TYPE); t++) {
        std::string n = name_for("type" + std::to_string(t));
        long long count = 24 / element_size(static_cast<std::uint32_t>(t));
        std::uintptr_t s = create_segment(n.c_str(), 24, t, count, 1, 2);
        read_header(n.c_str(), info);
        CHECK_EQ(info[1], t);
        CHECK_EQ(info[2], count);
        unmap(s, 88);
        CHECK(unlink_segment(n.c_str()));
    }

    // arguments refused before anything is created
    std::string bad = name_for("badargs");
    int fds = count_open_fds();
    CHECK_THROWS(create_segment(bad.c_str(), -1, 0, 0, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), LLONG_MIN, 0, 0, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), (1LL << 46) + 1, 0, 0, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), LLONG_MAX, 0, 0, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), 8, -1, 8, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), 8, 16, 8, 1, 2), "[errno=22] ");
    CHECK_THROWS(create_segment(bad.c_str(), 8, INT_MAX, 8, 1, 2), "[errno=22] ");
    CHECK(access(dev(bad).c_str(), F_OK) != 0);
    CHECK_EQ(count_open_fds(), fds);

    // A count that does not fit the data makes a segment that attach_segment then refuses:
    // create_segment should refuse it up front instead.
    const long long bad_counts[] = {5, -1, LLONG_MAX};  // 5 ints need 20 bytes, only 16 given
    for (long long count : bad_counts) {
        std::uintptr_t s = 0;
        std::string m = thrown_message([&]() { s = create_segment(bad.c_str(), 16, 4, count, 1, 2); });
        CHECK_MSG(m.compare(0, 11, "[errno=22] ") == 0,
                    "create_segment(dataBytes=16, type=4 (int), count=" + std::to_string(count)
                        + ") is accepted; attach_segment then rejects the segment it made: "
                        + thrown_message([&]() { read_header(bad.c_str(), info); }));
        if (s != 0) unmap(s, 80);
        unlink_segment(bad.c_str());
    }
}

void test_enospc() {
    long long sp[2] = {0, 0};
    space("/dev/shm", sp);
    std::string name = name_for("huge");
    int fds = count_open_fds();
    long long want = sp[1] + (1LL << 30);
    CHECK_THROWS(create_segment(name.c_str(), want, 0, 0, 1, 2), "[errno=28] ");
    // nothing is left behind: no name, no descriptor, no mapping
    CHECK(access(dev(name).c_str(), F_OK) != 0);
    CHECK_EQ(count_open_fds(), fds);
    CHECK(!maps_contain(name));
    // and the name is free for a segment that fits
    std::uintptr_t a = create_segment(name.c_str(), 8, 0, 8, 1, 2);
    unmap(a, 72);
    CHECK(unlink_segment(name.c_str()));
}

void test_memory_ops() {
    const long long page = page_size();
    const long long dataBytes = 5 * page + 123;
    const long long length = 64 + dataBytes;
    std::string name = name_for("memops");
    std::uintptr_t a = create_segment(name.c_str(), dataBytes, 0, dataBytes, 1, 2);
    long long info[INFO_LEN];
    std::uintptr_t b = attach_segment(name.c_str(), info);
    unsigned char* pa = bytes_at(a) + 64;
    unsigned char* pb = bytes_at(b) + 64;

    for (long long i = 0; i < dataBytes; i++) pa[i] = static_cast<unsigned char>(i % 251 + 1);
    prefault(a, length);
    prefault(b, info[0]);
    prefault(a + 64 + 1, page);  // unaligned start and length
    prefault(a, 0);
    bool unchanged = true;
    for (long long i = 0; i < dataBytes; i++) unchanged = unchanged && pb[i] == static_cast<unsigned char>(i % 251 + 1);
    CHECK(unchanged);
    CHECK_EQ(reinterpret_cast<const SegmentHeader*>(a)->checksum,
             header_checksum(*reinterpret_cast<const SegmentHeader*>(a)));

    fill_zero(a + 64 + 10, 100);
    CHECK_EQ(pb[9], 10);
    CHECK_EQ(pb[110], 110 % 251 + 1);
    bool zeroed = true;
    for (int i = 10; i < 110; i++) zeroed = zeroed && pb[i] == 0;
    CHECK(zeroed);
    fill_zero(a + 64, 0);
    CHECK_EQ(pb[0], 1);

    // copy between two mappings of the same file, then overlapping both ways (memmove)
    std::vector<unsigned char> src(static_cast<std::size_t>(2 * page));
    for (std::size_t i = 0; i < src.size(); i++) src[i] = static_cast<unsigned char>(i * 13 + 5);
    copy_memory(a + 64 + page, reinterpret_cast<std::uintptr_t>(src.data()), 2 * page);
    CHECK(std::memcmp(pb + page, src.data(), src.size()) == 0);

    std::vector<unsigned char> expect(pb, pb + dataBytes);
    copy_memory(a + 64 + 100, a + 64 + 0, 1000);
    std::memmove(expect.data() + 100, expect.data(), 1000);
    CHECK(std::memcmp(pb, expect.data(), expect.size()) == 0);
    copy_memory(a + 64 + 0, a + 64 + 100, 1000);
    std::memmove(expect.data(), expect.data() + 100, 1000);
    CHECK(std::memcmp(pb, expect.data(), expect.size()) == 0);
    copy_memory(a + 64, b + 64 + 7, 0);
    CHECK(std::memcmp(pb, expect.data(), expect.size()) == 0);

    // to the header too: the library does not stand in the way of raw copies
    std::vector<unsigned char> back(static_cast<std::size_t>(length));
    copy_memory(reinterpret_cast<std::uintptr_t>(back.data()), b, length);
    CHECK(std::memcmp(back.data(), bytes_at(a), static_cast<std::size_t>(length)) == 0);

    unmap(b, info[0]);
    unmap(a, length);
    CHECK(unlink_segment(name.c_str()));
}

void test_retire() {
    const long long page = page_size();
    const long long dataBytes = 3 * page;
    const long long length = 64 + dataBytes;
    std::string name = name_for("retire");
    std::uintptr_t a = create_segment(name.c_str(), dataBytes, 1, dataBytes, 1, 2);
    long long info[INFO_LEN];
    std::uintptr_t b = attach_segment(name.c_str(), info);
    for (long long i = 64; i < length; i++) bytes_at(a)[i] = static_cast<unsigned char>(i ^ 0x3C);
    std::vector<unsigned char> before(bytes_at(b), bytes_at(b) + length);

    retire(a, length);
    // still addressable, and reads zeros
    CHECK(is_mapped(a, length));
    bool zeros = true;
    for (long long i = 0; i < length; i++) zeros = zeros && bytes_at(a)[i] == 0;
    CHECK(zeros);
    // writes to the retired range go nowhere near the segment
    std::memset(bytes_at(a), 0xAB, static_cast<std::size_t>(length));
    CHECK_EQ(bytes_at(a)[length - 1], 0xAB);
    CHECK(std::memcmp(bytes_at(b), before.data(), before.size()) == 0);
    long long rinfo[INFO_LEN];
    read_header(name.c_str(), rinfo);
    CHECK_EQ(rinfo[3], dataBytes);
    prefault(a, length);
    fill_zero(a, length);
    CHECK_EQ(bytes_at(a)[100], 0);
    CHECK(std::memcmp(bytes_at(b), before.data(), before.size()) == 0);

    unmap(a, length);
    CHECK(!is_mapped(a, length));
    CHECK_THROWS(retire(a, 0), "[errno=22] ");
    unmap(b, info[0]);
    CHECK(unlink_segment(name.c_str()));
}

void test_unmap_and_space() {
    CHECK_THROWS(unmap(0, 0), "[errno=22] ");
    CHECK_THROWS(unmap(1, 4096), "[errno=22] ");  // not page-aligned

    long long sp[2] = {-1, -1};
    space("/dev/shm", sp);
    struct statvfs st;
    CHECK(statvfs("/dev/shm", &st) == 0);
    CHECK(sp[1] > 0);
    CHECK(sp[0] >= 0 && sp[0] <= sp[1]);
    CHECK_EQ(sp[1], static_cast<long long>(st.f_blocks) * static_cast<long long>(st.f_frsize));
    // free space moves under other processes; only its order of magnitude is stable
    long long free_now = static_cast<long long>(st.f_bavail) * static_cast<long long>(st.f_frsize);
    CHECK(sp[0] > free_now - (1LL << 30) && sp[0] < free_now + (1LL << 30));
    CHECK_THROWS(space("/nonexistent/jshmex", sp), "[errno=2] ");
}

// Files that jshmex did not write, or wrote and something then damaged.
void test_foreign_files() {
    int fds = count_open_fds();
    long long info[INFO_LEN];
    reset(info, -7);
    struct Bad {
        const char* tag;
        SegmentHeader h;
        std::size_t write;  // header bytes written
        off_t size;         // file size
    };
    std::vector<Bad> bads;
    SegmentHeader zero;
    std::memset(&zero, 0, sizeof zero);
    SegmentHeader ok = valid_header(6, 10, 40);
    bads.push_back(Bad{"empty", zero, 0, 0});
    bads.push_back(Bad{"ten", ok, 10, 10});
    bads.push_back(Bad{"sixty3", ok, 63, 63});
    bads.push_back(Bad{"zeros64", zero, 64, 64});
    bads.push_back(Bad{"headeronly", ok, 64, 64});  // says 40 data bytes, has none
    SegmentHeader h = ok;
    h.magic ^= 1;
    bads.push_back(Bad{"magic", h, 64, 104});
    h = ok;
    h.magic = 0x31584D4853484A01ULL;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"magic2", h, 64, 104});
    h = ok;
    h.version = 2;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"version", h, 64, 104});
    h = ok;
    h.version = 0;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"version0", h, 64, 104});
    h = ok;
    h.checksum ^= 0x80000000u;
    bads.push_back(Bad{"checksum", h, 64, 104});
    h = ok;
    h.creatorPid = 99;  // any field changed without a new checksum
    bads.push_back(Bad{"stalecsum", h, 64, 104});
    h = ok;
    h.dataBytes = 41;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"databytes", h, 64, 104});
    h = ok;
    h.dataBytes = ~0ULL;
    h.elementCount = 0;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"databyteshuge", h, 64, 104});
    h = ok;
    h.dataBytes = ~0ULL - 63;  // dataBytes + 64 wraps to 0
    h.elementCount = 0;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"databyteswrap", h, 64, 104});
    h = ok;
    h.elementCount = 11;  // 11 floats need 44 bytes, there are 40
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"count", h, 64, 104});
    h = ok;
    h.elementCount = ~0ULL;  // elementCount * 4 would wrap to a small number
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"counthuge", h, 64, 104});
    h = ok;
    h.elementCount = (1ULL << 62) + 1;  // * 4 wraps to exactly 4
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"countwrap", h, 64, 104});
    h = ok;
    h.elementType = 16;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"type", h, 64, 104});
    h = ok;
    h.elementType = 0xFFFFFFFFu;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"typehuge", h, 64, 104});
    h = ok;
    h.dataOffset = 128;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"offset", h, 64, 104});
    h = ok;
    h.dataOffset = 0;
    h.checksum = header_checksum(h);
    bads.push_back(Bad{"offset0", h, 64, 104});

    for (std::size_t i = 0; i < bads.size(); i++) {
        const Bad& bad = bads[i];
        std::string name = name_for(std::string("bad_") + bad.tag);
        bool written = write_file(name, &bad.h, bad.write, bad.size, 0600);
        CHECK(written);
        std::string m1 = thrown_message([&]() { read_header(name.c_str(), info); });
        std::string m2 = thrown_message([&]() {
            std::uintptr_t p = attach_segment(name.c_str(), info);
            unmap(p, info[0]);
        });
        ++g_checks;
        if (m1.compare(0, 11, "[errno=22] ") != 0)
            report_failure(__FILE__, __LINE__, std::string("read_header of ") + bad.tag + ": " + m1);
        ++g_checks;
        if (m2.compare(0, 11, "[errno=22] ") != 0)
            report_failure(__FILE__, __LINE__, std::string("attach_segment of ") + bad.tag + ": " + m2);
        // a refused segment is still the caller's to remove
        CHECK(unlink_segment(name.c_str()));
    }
    for (int i = 0; i < INFO_LEN; i++) CHECK_EQ(info[i], -7);  // untouched by the failed calls
    CHECK_EQ(count_open_fds(), fds);
    CHECK(!maps_contain(g_prefix + "bad_"));

    // accepted boundaries: data exactly filling the file, extra bytes after it, 0 data bytes
    struct Good {
        const char* tag;
        SegmentHeader h;
        off_t size;
        mode_t mode;
    };
    std::vector<Good> goods;
    goods.push_back(Good{"exact", ok, 104, 0600});
    goods.push_back(Good{"longer", ok, 104 + 5000, 0600});
    goods.push_back(Good{"nodata", valid_header(5, 0, 0), 64, 0600});
    goods.push_back(Good{"mode644", ok, 104, 0644});  // mode is not checked, the owner is
    if (geteuid() == 0) goods.push_back(Good{"mode000", ok, 104, 0000});  // root reads it anyway
    goods.push_back(Good{"type15", valid_header(15, 40, 40), 104, 0600});
    for (std::size_t i = 0; i < goods.size(); i++) {
        const Good& good = goods[i];
        std::string name = name_for(std::string("good_") + good.tag);
        CHECK(write_header_file(name, good.h, good.size, good.mode));
        long long rinfo[INFO_LEN];
        reset(rinfo, -1);
        std::string m1 = thrown_message([&]() { read_header(name.c_str(), rinfo); });
        ++g_checks;
        if (m1 != "(nothing thrown)")
            report_failure(__FILE__, __LINE__, std::string("read_header of ") + good.tag + ": " + m1);
        long long ainfo[INFO_LEN];
        reset(ainfo, -1);
        std::uintptr_t p = 0;
        std::string m2 = thrown_message([&]() { p = attach_segment(name.c_str(), ainfo); });
        ++g_checks;
        if (m2 != "(nothing thrown)")
            report_failure(__FILE__, __LINE__, std::string("attach_segment of ") + good.tag + ": " + m2);
        if (p != 0) {
            CHECK_EQ(ainfo[0], 64 + static_cast<long long>(good.h.dataBytes));
            CHECK_EQ(ainfo[1], good.h.elementType);
            CHECK_EQ(ainfo[2], good.h.elementCount);
            CHECK_EQ(ainfo[3], good.h.dataBytes);
            CHECK_EQ(ainfo[4], 4242);
            CHECK_EQ(ainfo[5], 1700000000000LL);
            CHECK_EQ(ainfo[6], inode_of(name));
            for (int k = 0; k < INFO_LEN; k++) CHECK_EQ(rinfo[k], ainfo[k]);
            unsigned sum = 0;
            for (long long k = 0; k < ainfo[0]; k++) sum += bytes_at(p)[k];
            CHECK(sum > 0);
            unmap(p, ainfo[0]);
        }
        CHECK(unlink_segment(name.c_str()));
    }

    // Symlinks are refused even when they lead to a valid segment: another user could plant one
    // in the shared, world-writable /dev/shm.
    std::string target = name_for("link_target");
    std::string link = name_for("link");
    std::uintptr_t t = create_segment(target.c_str(), 8, 0, 8, 1, 2);
    CHECK(symlink(dev(target).c_str(), dev(link).c_str()) == 0);
    CHECK_THROWS(attach_segment(link.c_str(), info), "[errno=40] ");
    CHECK_THROWS(read_header(link.c_str(), info), "[errno=40] ");
    CHECK_THROWS(create_segment(link.c_str(), 8, 0, 8, 1, 2), "[errno=17] ");
    CHECK(unlink_segment(link.c_str()));  // removes the link, not what it points to
    CHECK(access(dev(target).c_str(), F_OK) == 0);
    unmap(t, 72);
    CHECK(unlink_segment(target.c_str()));

    // create must not follow a dangling symlink and create its target elsewhere
    std::string outside = "/tmp/" + g_prefix + "outside";
    remember_path(outside);
    std::string dangling = name_for("dangling");
    CHECK(symlink(outside.c_str(), dev(dangling).c_str()) == 0);
    CHECK_THROWS(create_segment(dangling.c_str(), 8, 0, 8, 1, 2), "[errno=17] ");
    CHECK(access(outside.c_str(), F_OK) != 0);
    CHECK(unlink_segment(dangling.c_str()));

    // not a regular file
    std::string dir = name_for("dir");
    CHECK(mkdir(dev(dir).c_str(), 0700) == 0);
    CHECK_THROWS(attach_segment(dir.c_str(), info), "[errno=22] ");  // glibc maps EISDIR to EINVAL
    CHECK_THROWS(read_header(dir.c_str(), info), "[errno=22] ");
    CHECK_THROWS(create_segment(dir.c_str(), 8, 0, 8, 1, 2), "[errno=17] ");
    CHECK(rmdir(dev(dir).c_str()) == 0);
    CHECK_THROWS(read_header("..", info), "[errno=22] ");
    CHECK_THROWS(attach_segment(".", info), "[errno=22] ");

    std::string fifo = name_for("fifo");
    CHECK(mkfifo(dev(fifo).c_str(), 0600) == 0);
    CHECK_THROWS(attach_segment(fifo.c_str(), info), "[errno=22] ");
    // read_header opens O_RDONLY, which blocks on a FIFO until a writer comes: run it in a
    // child with a deadline so that a hang is reported instead of hanging the test
    pid_t child = fork();
    if (child == 0) {
        struct itimerval deadline;
        std::memset(&deadline, 0, sizeof deadline);
        deadline.it_value.tv_usec = 300000;
        setitimer(ITIMER_REAL, &deadline, nullptr);
        std::string m = thrown_message([&]() { read_header(fifo.c_str(), info); });
        _exit(m.compare(0, 11, "[errno=22] ") == 0 ? 0 : 2);
    }
    int status = 0;
    CHECK(child > 0 && waitpid(child, &status, 0) == child);
    bool hung = WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
    CHECK(hung || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK_MSG(!hung, "read_header on a FIFO in /dev/shm blocks forever in shm_open(O_RDONLY) "
                       "(open_checked does not pass O_NONBLOCK)");
    CHECK(unlink(dev(fifo).c_str()) == 0);

    // a valid header in a sparse file: its pages would be faulted in on use, a SIGBUS when
    // /dev/shm is full, so it is refused before it is mapped
    std::string sparse = name_for("sparse");
    CHECK(write_sparse_file(sparse, &ok, sizeof ok, 1 << 20));
    CHECK_THROWS(attach_segment(sparse.c_str(), info), "[errno=22] ");
    CHECK_THROWS(read_header(sparse.c_str(), info), "[errno=22] ");
    CHECK(unlink(dev(sparse).c_str()) == 0);

    // a segment of someone else is refused even though it is valid (root can make one)
    if (geteuid() == 0) {
        std::string other = name_for("otheruid");
        CHECK(write_header_file(other, ok, 104));
        CHECK(chown(dev(other).c_str(), 12345, 12345) == 0);
        CHECK_THROWS(attach_segment(other.c_str(), info), "[errno=13] ");
        CHECK_THROWS(read_header(other.c_str(), info), "[errno=13] ");
        CHECK(unlink_segment(other.c_str()));
    } else {
        std::printf("jshmex_test: not root, the foreign-owner check is skipped\n");
    }

    CHECK_EQ(count_open_fds(), fds);
}

// check_header directly, for what the file-based checks above cannot reach
void test_check_header() {
    SegmentHeader h = valid_header(7, 3, 24);
    CHECK_ACCEPTS(check_header(h, 88, "x"));
    CHECK_THROWS(check_header(h, 87, "x"), "[errno=22] ");
    CHECK_ACCEPTS(check_header(h, ~0ULL, "x"));
    h.elementCount = 4;
    h.checksum = header_checksum(h);
    CHECK_THROWS(check_header(h, 88, "x"), "[errno=22] ");
    // the name ends up in the message, which must survive any name
    std::string long_name(250, 'q');
    h.magic = 0;
    std::string m = thrown_message([&]() { check_header(h, 88, long_name.c_str()); });
    CHECK(m.compare(0, 11, "[errno=22] ") == 0 && m.find(long_name) != std::string::npos);
    for (std::uint32_t t = 0; t <= MAX_ELEMENT_TYPE; t++) {
        SegmentHeader g = valid_header(t, 64 / element_size(t), 64);
        CHECK_ACCEPTS(check_header(g, 128, "x"));
        g.elementCount++;
        g.checksum = header_checksum(g);
        CHECK_THROWS(check_header(g, 128, "x"), "[errno=22] ");
    }
}

}  // namespace

int main() {
    g_prefix = "jshmex_ctest_" + std::to_string(getpid()) + "_";
    std::atexit(cleanup_all);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_signal);
#ifdef JSHMEX_TEST_SANITIZED
    __sanitizer_set_death_callback(cleanup_all);
#endif
    int fds = count_open_fds();

    test_constants();
    test_posix_name();
    test_create_attach_read();
    test_open_segment_map_fd();
    test_create_mode_and_edges();
    test_enospc();
    test_memory_ops();
    test_retire();
    test_unmap_and_space();
    test_foreign_files();
    test_check_header();

    CHECK_EQ(count_open_fds(), fds);
    CHECK(!maps_contain(g_prefix));
    cleanup_all();
    std::vector<std::string> left = shm_entries_with_prefix(g_prefix);
    for (std::size_t i = 0; i < left.size(); i++) std::fprintf(stderr, "left in /dev/shm: %s\n", left[i].c_str());
    CHECK(left.empty());

    std::printf("jshmex_test: %d passed, %d failed\n", g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
