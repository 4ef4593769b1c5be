package io.jshmex;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a task prints reaches the parent's output, and cannot corrupt the worker's channel. */
@Timeout(value = 60, unit = SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessPoolOutputTest extends LeakCheckedTest {
    private static final int LINES = 10_000;

    static double[] printALotThenAnswer() throws Exception {
        for (int i = 0; i < LINES; i++) {
            System.out.println("line " + i);
        }
        System.out.flush();
        System.err.println("a word on stderr");
        System.err.flush();
        // bytes that look like a frame header, written to fd 1 behind System.out's back
        @SuppressWarnings("resource")
        FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
        fd1.write(new byte[] {0, 0, 0, 9, 5, 0, 0, 0, 0, 0, 0, 0, 1, '\n'});
        fd1.flush();
        double[] answer = new double[20_000];
        answer[19_999] = 42;
        return answer;
    }

    private static boolean waitFor(Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.get()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Test
    void shouldReturnTheResultOfATaskThatFloodsStdoutAndStderr() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            double[] answer;
            try (var pool = new ProcessPoolExecutor(1)) {
                answer = pool.submit(ProcessPoolOutputTest::printALotThenAnswer).get(30, SECONDS);
            }

            assertEquals(20_000, answer.length);
            assertEquals(42.0, answer[19_999]);
            assertTrue(waitFor(() -> out.toString(StandardCharsets.UTF_8).contains("line " + (LINES - 1) + "\n")),
                "the task's stdout did not reach ours");
            assertTrue(waitFor(() -> err.toString(StandardCharsets.UTF_8).contains("a word on stderr")),
                "the task's stderr did not reach ours");
            List<String> lines = out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("line "))
                .toList();
            assertEquals(LINES, lines.size());
            for (int i = 0; i < LINES; i++) {
                assertEquals("line " + i, lines.get(i));
            }
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
