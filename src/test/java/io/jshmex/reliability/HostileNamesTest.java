package io.jshmex.reliability;

import io.jshmex.InvalidSegmentException;
import io.jshmex.NativeShm;
import io.jshmex.SegmentExistsException;
import io.jshmex.ShmException;
import io.jshmex.ShmSegment;
import io.jshmex.shm.Shm;
import io.jshmex.testing.ChildJvm;
import io.jshmex.testing.LeakCheckedTest;
import io.jshmex.testing.ShmFiles;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile names in /dev/shm: another user's segment, a name that exists already (O_EXCL), symlinks
 * to a valid segment and to /etc/passwd, a FIFO, a directory, and names with path characters.
 * Each must be refused with the library's exception (IllegalArgumentException for a bad name,
 * a ShmException for a bad file), promptly, and leave whatever it points at untouched.
 */
@ExtendWith(Report.class)
class HostileNamesTest extends LeakCheckedTest {
    private final long pid = ProcessHandle.current().pid();

    @FunctionalInterface
    private interface Op {
        Object run() throws Exception;
    }

    @Test
    void hostileNamesAreRefusedAndTheirTargetsUntouched() throws Exception {
        Tally.run(Fault.HOSTILE_NAMES, tally -> {
            try (ShmFiles files = new ShmFiles()) {
                otherUsersSegment(tally, files);
                existingName(tally, files);
                symlinkToSegment(tally, files);
                symlinkToPasswd(tally, files);
                fifo(tally, files);
                directory(tally, files);
                pathCharacters(tally);
                oddButLegalNames(tally);
            }
            new Aftermath(tally).settle("end", 0, List.of());
        });
    }

    private void otherUsersSegment(Tally tally, ShmFiles files) throws Exception {
        if (!ShmFiles.runningAsRoot()) {
            tally.note("another user's segment not tried: needs root to chown");
            return;
        }
        ShmSegment segment = NativeShm.create(4096);
        String name = segment.name();
        files.track(ShmFiles.path(name));
        segment.asByteBuffer().put(0, (byte) 42);
        Files.setAttribute(ShmFiles.path(name), "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(ShmFiles.path(name), "unix:gid", 65534, LinkOption.NOFOLLOW_LINKS);
        String label = "segment of uid 65534";
        for (Op op : List.<Op>of(() -> NativeShm.attach(name), () -> Shm.readHeader(name))) {
            InvalidSegmentException e = expect(tally, label, InvalidSegmentException.class, op);
            if (e != null && !e.getMessage().contains("uid 65534")) {
                tally.fail(label + ": the refusal does not name the owner: " + e.getMessage());
            }
        }
        segment.close();
        if (ShmFiles.read(name)[ShmFiles.HEADER] != 42) {
            tally.fail(label + ": its data changed");
        }
        tally.addCase();
    }

    private void existingName(Tally tally, ShmFiles files) throws Exception {
        String name = "jshmex_rel_excl_" + pid;
        try (ShmSegment first = NativeShm.create(name, 4096)) {
            ByteBuffer data = first.asByteBuffer();
            for (int i = 0; i < 4096; i++) {
                data.put(i, (byte) i);
            }
            byte[] before = ShmFiles.read(name);
            expect(tally, "O_EXCL over a segment", SegmentExistsException.class, () -> NativeShm.create(name, 8192));
            if (!Arrays.equals(before, ShmFiles.read(name))) {
                tally.fail("O_EXCL over a segment: the existing segment changed");
            }
        }
        tally.addCase();
        String plain = "jshmex_rel_plain_" + pid;
        byte[] content = "not a segment".getBytes(StandardCharsets.UTF_8);
        files.plant(plain, content);
        expect(tally, "O_EXCL over a plain file", SegmentExistsException.class, () -> NativeShm.create(plain, 64));
        if (!Arrays.equals(content, ShmFiles.read(plain))) {
            tally.fail("O_EXCL over a plain file: the file changed");
        }
        tally.addCase();
    }

    private void symlinkToSegment(Tally tally, ShmFiles files) throws Exception {
        try (ShmSegment target = NativeShm.create(4096)) {
            target.asByteBuffer().put(0, (byte) 7);
            byte[] before = ShmFiles.read(target.name());
            String link = "jshmex_rel_link_" + pid;
            Files.createSymbolicLink(files.track(ShmFiles.path(link)), ShmFiles.path(target.name()));
            refusedEverywhere(tally, "symlink to a valid segment", link);
            unlinkLeavesTarget(tally, "symlink to a valid segment", link, ShmFiles.path(target.name()));
            if (!Arrays.equals(before, ShmFiles.read(target.name()))) {
                tally.fail("symlink to a valid segment: the segment changed");
            }
        }
        tally.addCase();
    }

    private void symlinkToPasswd(Tally tally, ShmFiles files) throws Exception {
        Path passwd = Path.of("/etc/passwd");
        byte[] before = Files.readAllBytes(passwd);
        FileTime modified = Files.getLastModifiedTime(passwd);
        String link = "jshmex_rel_passwd_" + pid;
        Files.createSymbolicLink(files.track(ShmFiles.path(link)), passwd);
        refusedEverywhere(tally, "symlink to /etc/passwd", link);
        // named like a segment of a dead process: the orphan sweep may remove the link, never its target
        String orphanLink = ShmFiles.nameForPid(ChildJvm.deadPid());
        Files.createSymbolicLink(files.track(ShmFiles.path(orphanLink)), passwd);
        try {
            NativeShm.clearOrphans();
        } catch (RuntimeException e) {
            tally.fail("clearOrphans() over a symlink to /etc/passwd threw " + Causes.chain(e));
        }
        unlinkLeavesTarget(tally, "symlink to /etc/passwd", link, passwd);
        if (!Arrays.equals(before, Files.readAllBytes(passwd)) || !modified.equals(Files.getLastModifiedTime(passwd))) {
            tally.fail("symlink to /etc/passwd: /etc/passwd changed");
        }
        tally.addCase();
    }

    private void fifo(Tally tally, ShmFiles files) throws Exception {
        String name = "jshmex_rel_fifo_" + pid;
        Process mkfifo = new ProcessBuilder("mkfifo", ShmFiles.path(name).toString()).start();
        if (mkfifo.waitFor() != 0) {
            tally.note("FIFO not tried: mkfifo failed");
            return;
        }
        files.track(ShmFiles.path(name));
        refusedEverywhere(tally, "FIFO", name);
        tally.addCase();
    }

    private void directory(Tally tally, ShmFiles files) throws Exception {
        String name = "jshmex_rel_dir_" + pid;
        Files.createDirectory(files.track(ShmFiles.path(name)));
        refusedEverywhere(tally, "directory", name);
        if (!Files.isDirectory(ShmFiles.path(name))) {
            tally.fail("directory: it is gone");
        }
        tally.addCase();
    }

    /** attach, readHeader and create all refuse the name, within a few seconds (a FIFO must not block). */
    private static void refusedEverywhere(Tally tally, String label, String name) throws Exception {
        expect(tally, label + ", attach", ShmException.class, () -> NativeShm.attach(name));
        expect(tally, label + ", readHeader", ShmException.class, () -> Shm.readHeader(name));
        expect(tally, label + ", create", ShmException.class, () -> NativeShm.create(name, 64));
    }

    private static void unlinkLeavesTarget(Tally tally, String label, String link, Path target) {
        try {
            NativeShm.unlink(link);
        } catch (ShmException refused) {
            // refusing is fine too
        } catch (RuntimeException e) {
            tally.fail(label + ": unlink threw " + Causes.chain(e));
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            tally.fail(label + ": unlink of the link removed its target " + target);
        }
    }

    private void pathCharacters(Tally tally) throws Exception {
        List<String> names = new ArrayList<>(Arrays.asList("../x", "../../etc/passwd", "a/b", "/abs", "", ".", "..",
            "x\0y", "n".repeat(251), "n".repeat(10_000), null));
        for (String name : names) {
            String label = "name " + (name == null ? "null" : name.length() > 20 ? name.length() + " characters"
                : "'" + name.replace("\0", "\\0") + "'");
            expect(tally, label + ", create", IllegalArgumentException.class, () -> NativeShm.create(name, 64));
            expect(tally, label + ", attach", IllegalArgumentException.class, () -> NativeShm.attach(name));
            expect(tally, label + ", unlink", IllegalArgumentException.class, () -> NativeShm.unlink(name));
            tally.addCase();
        }
        for (Path escaped : List.of(Path.of("/dev/x"), Path.of("/dev/shm/a"), Path.of("/abs"))) {
            if (Files.exists(escaped, LinkOption.NOFOLLOW_LINKS)) {
                tally.fail("a bad name made " + escaped);
            }
        }
    }

    /** Names that look odd but are legal file names must work, and go with close(). */
    private void oddButLegalNames(Tally tally) {
        for (String name : List.of("jshmex rel " + pid, "jshmex_rel_\u540d\u524d_" + pid, "jshmex_rel_nl\n" + pid,
            "j".repeat(250 - Long.toString(pid).length()) + pid)) {
            String label = "legal name of " + name.length() + " characters";
            try (ShmSegment segment = NativeShm.create(name, 64)) {
                segment.asByteBuffer().put(0, (byte) 5);
                try (ShmSegment again = NativeShm.attach(name)) {
                    if (again.asByteBuffer().get(0) != 5) {
                        tally.fail(label + ": attach saw other data");
                    }
                }
            } catch (RuntimeException e) {
                tally.fail(label + ": " + Causes.chain(e));
            }
            if (ShmFiles.exists(name)) {
                tally.fail(label + ": still in /dev/shm after close()");
            }
            tally.addCase();
        }
    }

    private static <T extends Throwable> T expect(Tally tally, String label, Class<T> type, Op op) throws Exception {
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Object> result = runner.submit(op::run);
            Object value = result.get(5, TimeUnit.SECONDS);
            if (value instanceof AutoCloseable) {
                ((AutoCloseable) value).close();
            }
            tally.fail(label + ": expected " + type.getSimpleName() + ", got " + value);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
            tally.fail(label + ": expected " + type.getSimpleName() + ", got " + Causes.chain(cause));
            return null;
        } catch (TimeoutException e) {
            tally.fail(label + ": blocked for more than 5 s");
            return null;
        } finally {
            runner.shutdownNow();
        }
    }
}
