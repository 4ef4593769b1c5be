package io.jshmex.pool;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The private directories of the workers' sockets: {@code jshmex-<pid>-<random>} in the
 * temporary directory, mode 0700, one per pool. A pool removes its own when it terminates; a
 * parent killed before that leaves an empty directory (or a stale socket), which the next pool
 * on the machine removes once that pid is gone.
 */
final class SocketDirs {
    private static final Pattern NAME = Pattern.compile("jshmex-(\\d+)-.+");

    private SocketDirs() {
    }

    /** Where socket directories go: a socket path must fit in 108 bytes. */
    static Path base() {
        String tmp = System.getProperty("java.io.tmpdir");
        return tmp.length() > 60 ? Paths.get("/tmp") : Paths.get(tmp);
    }

    /** A new private directory for this process's pool. */
    static Path create() throws IOException {
        return Files.createTempDirectory(base(), "jshmex-" + ProcessHandle.current().pid() + "-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Removes the socket directories of processes that are gone, with what they hold (sockets
     * and files, never through a link); leaves those of live processes and other users.
     *
     * @return how many were removed
     */
    static int removeOrphans() {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(base(), "jshmex-*")) {
            for (Path dir : entries) {
                Matcher name = NAME.matcher(dir.getFileName().toString());
                if (name.matches() && isOrphan(dir, Long.parseLong(name.group(1))) && remove(dir)) {
                    removed++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // a leftover directory costs an inode, nothing more: never fail a pool over it
        }
        return removed;
    }

    private static boolean isOrphan(Path dir, long pid) throws IOException {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
            && Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
            && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE;
    }

    /** Deletes {@code dir}'s entries and then {@code dir}; false if something stays. */
    static boolean remove(Path dir) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (!Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(file);
                }
            }
            return Files.deleteIfExists(dir);
        } catch (IOException e) {
            return false;
        }
    }
}
