package io.jshmex.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.ProcessPoolExecutor;
import io.jshmex.testing.LeakCheckedTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * A parent killed before its pool terminated leaves its socket directory; the next pool removes
 * it once that process is gone, and leaves those of live processes alone.
 */
class SocketDirsTest extends LeakCheckedTest {
    private static long deadPid() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        return gone.pid();
    }

    @Test
    void theNextPoolRemovesTheSocketDirectoryOfADeadParent() throws Exception {
        Path dead = Files.createTempDirectory(SocketDirs.base(), "jshmex-" + deadPid() + "-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createFile(dead.resolve("w1.sock"));
        Path live = Files.createTempDirectory(SocketDirs.base(), "jshmex-" + ProcessHandle.current().pid() + "-");
        Path notOurs = Files.createTempDirectory(SocketDirs.base(), "jshmex-notapid-");
        try {
            try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(1).build()) {
                assertEquals(Integer.valueOf(3), pool.submit(() -> 1 + 2).get());
            }
            assertFalse(Files.exists(dead), "the dead parent's socket directory should be gone");
            assertTrue(Files.isDirectory(live), "a live process's socket directory must stay");
            assertTrue(Files.isDirectory(notOurs), "a directory that is not one of ours must stay");
        } finally {
            SocketDirs.remove(dead);
            SocketDirs.remove(live);
            SocketDirs.remove(notOurs);
        }
    }

    @Test
    void aPoolRemovesItsOwnSocketDirectoryWhenItTerminates() throws Exception {
        String prefix = "jshmex-" + ProcessHandle.current().pid() + "-";
        long before = countOwn(prefix);
        try (ProcessPoolExecutor pool = ProcessPoolExecutor.builder().maxWorkers(1).build()) {
            pool.prestartAllWorkers();
            assertEquals(Integer.valueOf(7), pool.submit(() -> 7).get());
            assertEquals(before + 1, countOwn(prefix), "a running pool has its socket directory");
        }
        assertEquals(before, countOwn(prefix));
    }

    private static long countOwn(String prefix) throws Exception {
        try (var entries = Files.list(SocketDirs.base())) {
            return entries.filter(p -> p.getFileName().toString().startsWith(prefix)).count();
        }
    }
}
