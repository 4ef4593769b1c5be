package io.jshmex.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jshmex.testing.LeakCheckedTest;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentNamesTest extends LeakCheckedTest {
    @Test
    void shouldGenerateDistinctNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(names.add(SegmentNames.generate()), "generated a name twice after " + i);
        }
    }

    @Test
    void shouldGeneratePrefixPidAndTenBase36Characters() {
        Pattern form = Pattern.compile("jshmex_" + ProcessHandle.current().pid() + "_[0-9a-z]{10}");
        for (int i = 0; i < 100; i++) {
            String name = SegmentNames.generate();
            assertTrue(form.matcher(name).matches(), name);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 32_768, 4_194_304})
    void shouldKeepGeneratedNamesWithinPortableLength(long pid) {
        // 4194304 is the largest pid_max Linux allows; macOS takes 31 characters with the slash
        String name = SegmentNames.generate(pid);

        assertTrue(name.length() <= SegmentNames.PORTABLE_MAX_LENGTH, name);
        assertEquals(30, SegmentNames.PORTABLE_MAX_LENGTH);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4242, 4_194_304})
    void shouldReadCreatorPidBackFromGeneratedName(long pid) {
        assertEquals(pid, SegmentNames.creatorPid(SegmentNames.generate(pid)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"results", "jshmex_", "jshmex__abc", "jshmex_abc_def", "jshmex_12", "jshmex_-_x",
        "jshmex_99999999999999999999_x", "other_12_abc"})
    void shouldFindNoPidInNamesNotOfGeneratedForm(String name) {
        assertEquals(-1, SegmentNames.creatorPid(name));
    }

    @Test
    void shouldRecognizeOnlyPrefixedNamesAsOurs() {
        assertTrue(SegmentNames.isOurs("jshmex_1_abc"));
        assertTrue(SegmentNames.isOurs("jshmex_anything"));
        assertFalse(SegmentNames.isOurs("jshmex-1-abc"));
        assertFalse(SegmentNames.isOurs("JSHMEX_1_abc"));
        assertFalse(SegmentNames.isOurs("sem.jshmex_1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "results", "jshmex_x", "with space", "dots.in.name", "...", "ünïcödé"})
    void shouldAcceptPlainNames(String name) {
        assertSame(name, SegmentNames.validate(name));
    }

    @Test
    void shouldAcceptNamesUpTo250CharactersOnly() {
        assertEquals(250, SegmentNames.validate("n".repeat(250)).length());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SegmentNames.validate("n".repeat(251)));

        assertTrue(e.getMessage().contains("251") && e.getMessage().contains("250"), e.getMessage());
    }

    @Test
    void shouldExplainHowToNameInsteadOfPath() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SegmentNames.validate("/dev/shm/results"));

        assertTrue(e.getMessage().contains("without a path"), e.getMessage());
    }
}
