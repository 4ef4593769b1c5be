// jshmex.h - the native layer of jshmex: POSIX shared memory segments with a checked header.
//
// Plain C++ (no JNI): the Java binding io.jshmex.shm.ShmNative is generated from it by JavaCPP,
// and cppbuild.sh compiles it alone, with its own test, under sanitizers.
//
// Errors are thrown as std::runtime_error whose message starts with "[errno=N] ", so that the
// Java side can map the cause (ENOSPC, EEXIST, ENOENT, EACCES, EINVAL) to a precise exception.
#ifndef JSHMEX_H
#define JSHMEX_H

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace jshmex {

// ---- the segment header: the one binary layout, mirrored by io.jshmex.shm.SegmentDescriptor ----

static const std::uint64_t HEADER_MAGIC = 0x31584D4853484A00ULL;  // bytes "\0JHSHMX1" in memory (little-endian)
static const std::uint32_t HEADER_VERSION = 1;
static const std::uint32_t MAX_ELEMENT_TYPE = 15;                  // see SegmentDescriptor.TYPE_*

struct SegmentHeader {
    std::uint64_t magic;          // 0  HEADER_MAGIC
    std::uint32_t version;        // 8  HEADER_VERSION
    std::uint32_t elementType;    // 12 what the data holds (raw bytes, doubles, ...)
    std::uint64_t elementCount;   // 16 number of elements of that type
    std::uint64_t dataOffset;     // 24 where the data starts: sizeof(SegmentHeader)
    std::uint64_t dataBytes;      // 32 bytes of data after the header
    std::int64_t  creatorPid;     // 40 process that created the segment
    std::int64_t  creatorStartMs; // 48 its start time (epoch ms): tells a reused pid apart
    std::uint32_t reserved;       // 56 zero
    std::uint32_t checksum;       // 60 FNV-1a over bytes 0..59
};

static_assert(sizeof(SegmentHeader) == 64, "header must be 64 bytes");
static_assert(offsetof(SegmentHeader, elementCount) == 16, "layout");
static_assert(offsetof(SegmentHeader, creatorStartMs) == 48, "layout");
static_assert(offsetof(SegmentHeader, checksum) == 60, "layout");

// Byte offsets of the header fields, so that the Java descriptor can be checked against them.
inline long long header_field_offset(int field) {
    switch (field) {
        case 0: return offsetof(SegmentHeader, magic);
        case 1: return offsetof(SegmentHeader, version);
        case 2: return offsetof(SegmentHeader, elementType);
        case 3: return offsetof(SegmentHeader, elementCount);
        case 4: return offsetof(SegmentHeader, dataOffset);
        case 5: return offsetof(SegmentHeader, dataBytes);
        case 6: return offsetof(SegmentHeader, creatorPid);
        case 7: return offsetof(SegmentHeader, creatorStartMs);
        case 8: return offsetof(SegmentHeader, checksum);
        case 9: return sizeof(SegmentHeader);
        default: return -1;
    }
}

inline std::uint32_t header_checksum(const SegmentHeader& h) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(&h);
    std::uint32_t hash = 2166136261u;
    for (std::size_t i = 0; i < offsetof(SegmentHeader, checksum); i++) {
        hash = (hash ^ p[i]) * 16777619u;
    }
    return hash;
}

inline unsigned element_size(std::uint32_t type) {
    // 0 raw bytes, 1 byte, 2 short, 3 char, 4 int, 5 long, 6 float, 7 double, 8 boolean
    static const unsigned sizes[] = {1, 1, 2, 2, 4, 8, 4, 8, 1};
    return type < sizeof(sizes) / sizeof(sizes[0]) ? sizes[type] : 1;
}

[[noreturn]] inline void fail(int err, const std::string& what) {
    char message[512];
    std::snprintf(message, sizeof message, "[errno=%d] %s: %s", err, what.c_str(), std::strerror(err));
    throw std::runtime_error(message);
}

[[noreturn]] inline void reject(const std::string& what) {
    throw std::runtime_error("[errno=" + std::to_string(EINVAL) + "] " + what);
}

// Checks a header read from a segment of `fileBytes` bytes. Never reads past the 64 header
// bytes, which the caller guarantees are there.
inline void check_header(const SegmentHeader& h, std::uint64_t fileBytes, const char* name) {
    std::string who = std::string("segment ") + name;
    if (h.magic != HEADER_MAGIC) reject(who + " is not a jshmex segment (bad magic)");
    if (h.version != HEADER_VERSION)
        reject(who + " has header version " + std::to_string(h.version) + ", this library reads "
               + std::to_string(HEADER_VERSION));
    if (header_checksum(h) != h.checksum) reject(who + " has a corrupted header (checksum mismatch)");
    if (h.elementType > MAX_ELEMENT_TYPE) reject(who + " has an unknown element type");
    if (h.reserved != 0) reject(who + " has a non-zero reserved field");
    if (h.dataOffset != sizeof(SegmentHeader)) reject(who + " has a bad data offset");
    if (h.dataBytes > fileBytes - sizeof(SegmentHeader))
        reject(who + " is truncated: header says " + std::to_string(h.dataBytes)
               + " data bytes, file holds " + std::to_string(fileBytes - sizeof(SegmentHeader)));
    unsigned size = element_size(h.elementType);
    if (h.elementCount > h.dataBytes / size) reject(who + " has an element count beyond its data");
}

inline void init_header(SegmentHeader* h, std::uint32_t type, std::uint64_t count, std::uint64_t dataBytes,
                        std::int64_t pid, std::int64_t startMs) {
    std::memset(h, 0, sizeof *h);
    h->magic = HEADER_MAGIC;
    h->version = HEADER_VERSION;
    h->elementType = type;
    h->elementCount = count;
    h->dataOffset = sizeof(SegmentHeader);
    h->dataBytes = dataBytes;
    h->creatorPid = pid;
    h->creatorStartMs = startMs;
    h->checksum = header_checksum(*h);
}

// ---- names ----

// `name` has no leading slash; POSIX wants one.
inline std::string posix_name(const char* name) {
    if (name == nullptr || *name == '\0') reject("segment name is empty");
    if (std::strchr(name, '/') != nullptr) reject(std::string("segment name '") + name + "' contains '/'");
    if (std::strlen(name) > 250) reject("segment name is longer than 250 characters");
    return std::string("/") + name;
}

// ---- segments ----

// Creates a segment of sizeof(SegmentHeader) + dataBytes, fully backed (posix_fallocate, so a
// full /dev/shm is an error here, never a SIGBUS later), writes its header and maps it
// read-write. Returns the address; the mapping is headerBytes + dataBytes long; `inode` receives
// the file's inode, which tells this segment from a later one of the same name. On any failure
// nothing is left: no name, no mapping.
inline std::uintptr_t create_segment(const char* name, long long dataBytes, int type, long long count,
                                     long long pid, long long startMs, long long* inode = nullptr) {
    std::string path = posix_name(name);
    if (dataBytes < 0 || static_cast<unsigned long long>(dataBytes) > (1ULL << 46))
        reject("segment size " + std::to_string(dataBytes) + " is out of range");
    if (type < 0 || static_cast<std::uint32_t>(type) > MAX_ELEMENT_TYPE) reject("unknown element type");
    if (count < 0 || static_cast<unsigned long long>(count) > static_cast<unsigned long long>(dataBytes)
                                                               / element_size(static_cast<std::uint32_t>(type)))
        reject("element count " + std::to_string(count) + " does not fit in " + std::to_string(dataBytes) + " bytes");
    std::uint64_t total = sizeof(SegmentHeader) + static_cast<std::uint64_t>(dataBytes);
    int fd = shm_open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) fail(errno, "shm_open(" + path + ", O_CREAT|O_EXCL)");
    // the umask cannot widen 0600, but make the mode exact whatever the umask
    int err = fchmod(fd, 0600) == 0 ? 0 : errno;
    struct stat st;
    if (err == 0) err = fstat(fd, &st) == 0 ? 0 : errno;
    if (err == 0 && inode != nullptr) *inode = static_cast<long long>(st.st_ino);
    if (err == 0) {
        do {
            err = posix_fallocate(fd, 0, static_cast<off_t>(total));
        } while (err == EINTR);
    }
    if (err != 0) {
        close(fd);
        shm_unlink(path.c_str());
        fail(err, "posix_fallocate(" + path + ", " + std::to_string(total) + " bytes)");
    }
    void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    err = errno;
    close(fd);
    if (base == MAP_FAILED) {
        shm_unlink(path.c_str());
        fail(err, "mmap(" + path + ", " + std::to_string(total) + " bytes)");
    }
    init_header(static_cast<SegmentHeader*>(base), static_cast<std::uint32_t>(type),
                static_cast<std::uint64_t>(count), static_cast<std::uint64_t>(dataBytes), pid, startMs);
    return reinterpret_cast<std::uintptr_t>(base);
}

// Opens an existing segment with its checks: a regular file of ours (same uid), no wider mode
// than 0600 is required, large enough for a header, and a valid header. Fills `out` with the
// header. Returns the open descriptor; the caller closes it.
inline int open_checked(const char* name, SegmentHeader* out, std::uint64_t* fileBytes, int flags,
                        long long* inode = nullptr) {
    std::string path = posix_name(name);
    // O_NONBLOCK: a FIFO planted under the name must be refused, not block the open forever
    int fd = shm_open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0) fail(errno, "shm_open(" + path + ")");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        fail(err, "fstat(" + path + ")");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        reject("segment " + std::string(name) + " is not a regular file");
    }
    if (st.st_uid != geteuid()) {
        close(fd);
        fail(EACCES, "segment " + std::string(name) + " belongs to uid " + std::to_string(st.st_uid)
                         + ", not to this process's uid " + std::to_string(geteuid()));
    }
    if (st.st_size < static_cast<off_t>(sizeof(SegmentHeader))) {
        close(fd);
        reject("segment " + std::string(name) + " is truncated: " + std::to_string(st.st_size)
               + " bytes, smaller than its header");
    }
    // a sparse file (sized by ftruncate, pages missing) would fault its pages in on use, and a
    // full /dev/shm would then be a SIGBUS: only fully backed segments are accepted
    if (static_cast<long long>(st.st_blocks) * 512 < static_cast<long long>(st.st_size)) {
        close(fd);
        reject("segment " + std::string(name) + " is not fully allocated (a sparse file): it was not made by "
               "this library, which reserves every page when it creates a segment");
    }
    ssize_t got = pread(fd, out, sizeof *out, 0);
    if (got != static_cast<ssize_t>(sizeof *out)) {
        int err = got < 0 ? errno : EIO;
        close(fd);
        fail(err, "reading the header of " + path);
    }
    try {
        check_header(*out, static_cast<std::uint64_t>(st.st_size), name);
    } catch (...) {
        close(fd);
        throw;
    }
    *fileBytes = static_cast<std::uint64_t>(st.st_size);
    if (inode != nullptr) *inode = static_cast<long long>(st.st_ino);
    return fd;
}

// info: {mapped bytes, element type, element count, data bytes, creator pid, creator start ms, inode}
inline void fill_info(const SegmentHeader& h, long long inode, long long* info) {
    info[0] = static_cast<long long>(sizeof(SegmentHeader) + h.dataBytes);
    info[1] = h.elementType;
    info[2] = static_cast<long long>(h.elementCount);
    info[3] = static_cast<long long>(h.dataBytes);
    info[4] = h.creatorPid;
    info[5] = h.creatorStartMs;
    info[6] = inode;
}

// Opens an existing segment read-write after checking it (see open_checked) and returns its
// descriptor, which can be mapped again and again (map_fd) after the name is gone. `info`
// receives what fill_info writes (7 values).
inline int open_segment(const char* name, long long* info) {
    SegmentHeader h;
    std::uint64_t fileBytes = 0;
    long long inode = 0;
    int fd = open_checked(name, &h, &fileBytes, O_RDWR, &inode);
    fill_info(h, inode, info);
    return fd;
}

// Maps `length` bytes of an open segment from its start, read-write, with its pages populated.
inline std::uintptr_t map_fd(int fd, long long length) {
    void* base = mmap(nullptr, static_cast<std::size_t>(length), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
                      fd, 0);
    if (base == MAP_FAILED) fail(errno, "mmap of a segment");
    return reinterpret_cast<std::uintptr_t>(base);
}

inline void close_fd(int fd) {
    close(fd);
}

// Maps an existing segment read-write after checking it; same `info` as open_segment.
inline std::uintptr_t attach_segment(const char* name, long long* info) {
    int fd = open_segment(name, info);
    std::uintptr_t base = 0;
    try {
        base = map_fd(fd, info[0]);
    } catch (...) {
        close(fd);
        throw;
    }
    close(fd);
    return base;
}

// Reads and checks a segment's header without mapping it; same `info` as attach_segment.
inline void read_header(const char* name, long long* info) {
    SegmentHeader h;
    std::uint64_t fileBytes = 0;
    long long inode = 0;
    int fd = open_checked(name, &h, &fileBytes, O_RDONLY, &inode);
    close(fd);
    fill_info(h, inode, info);
}

// Removes a name. Returns false if there was no such name.
inline bool unlink_segment(const char* name) {
    std::string path = posix_name(name);
    if (shm_unlink(path.c_str()) == 0) return true;
    int err = errno;
    if (err == ENOENT) return false;
    fail(err, "shm_unlink(" + path + ")");
}

inline void unmap(std::uintptr_t address, long long length) {
    if (munmap(reinterpret_cast<void*>(address), static_cast<std::size_t>(length)) != 0)
        fail(errno, "munmap");
}

// Replaces a mapping, in place, with private zero pages: the shared memory is let go at once,
// while views that still point into the range read zeros instead of faulting. The range itself
// is unmapped later with unmap().
inline void retire(std::uintptr_t address, long long length) {
    void* p = mmap(reinterpret_cast<void*>(address), static_cast<std::size_t>(length), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) fail(errno, "mmap(MAP_FIXED) over a closed segment");
}

// Touches every page of a range so that later copies into it take no page fault.
inline void prefault(std::uintptr_t address, long long length) {
    volatile char* p = reinterpret_cast<volatile char*>(address);
    long page = sysconf(_SC_PAGESIZE);
    for (long long off = 0; off < length; off += page) p[off] = p[off];
}

inline void fill_zero(std::uintptr_t address, long long length) {
    std::memset(reinterpret_cast<void*>(address), 0, static_cast<std::size_t>(length));
}

inline void copy_memory(std::uintptr_t to, std::uintptr_t from, long long length) {
    std::memmove(reinterpret_cast<void*>(to), reinterpret_cast<const void*>(from), static_cast<std::size_t>(length));
}

// Free and total bytes of the file system at `dir` ({free, total}).
inline void space(const char* dir, long long* out) {
    struct statvfs st;
    if (statvfs(dir, &st) != 0) fail(errno, std::string("statvfs(") + dir + ")");
    out[0] = static_cast<long long>(st.f_bavail) * static_cast<long long>(st.f_frsize);
    out[1] = static_cast<long long>(st.f_blocks) * static_cast<long long>(st.f_frsize);
}

inline long long page_size() { return sysconf(_SC_PAGESIZE); }

inline std::uintptr_t address_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

}  // namespace jshmex

#endif  // JSHMEX_H
