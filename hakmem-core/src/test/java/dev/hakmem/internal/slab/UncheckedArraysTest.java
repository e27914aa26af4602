package dev.hakmem.internal.slab;

import dev.hakmem.testing.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The magazines' accesses without range checks ({@link UncheckedArrays}): on where the JDK lets
 * hakmem use them, off without the export or with the flag, the same results either way, and an
 * index out of range caught by the assertion the tests run with.
 */
class UncheckedArraysTest {

    /** The tests run with {@code jdk.internal.access} exported (the project's JVM flags), so the accesses are unchecked here. */
    @Test
    void onWhereTheJdkExportsItsAccessPackage() {
        assertTrue(UncheckedArrays.AVAILABLE, String.valueOf(UncheckedArrays.UNAVAILABLE_REASON));
    }

    @Test
    void everyElementReadAndWrittenWhereAnArrayAccessWould() {
        long[] m = new long[Magazines.SLOTS];
        for (int i = 0; i < m.length; i++) {
            UncheckedArrays.put(m, i, i * 0x9E37_79B9_7F4A_7C15L);
        }
        for (int i = 0; i < m.length; i++) {
            assertEquals(i * 0x9E37_79B9_7F4A_7C15L, m[i], "element " + i);
            m[i] = ~m[i];
            assertEquals(~(i * 0x9E37_79B9_7F4A_7C15L), UncheckedArrays.get(m, i), "element " + i);
        }
    }

    /** What stands between a wrong index and the heap next to the array: the assertion, on in every test JVM. */
    @Test
    void anIndexOutOfRangeIsAnAssertionError() {
        long[] m = new long[4];
        assertThrows(AssertionError.class, () -> UncheckedArrays.get(m, 4));
        assertThrows(AssertionError.class, () -> UncheckedArrays.get(m, -1));
        assertThrows(AssertionError.class, () -> UncheckedArrays.put(m, 4, 1));
        assertThrows(AssertionError.class, () -> UncheckedArrays.put(m, Integer.MIN_VALUE, 1));
    }

    @Test
    @Timeout(120)
    void withTheExportEveryClassAllocatesAndFreesUnchecked() throws Exception {
        String out = child("-ea", "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED");
        assertTrue(out.contains("unchecked=true reason=null liveBytes=0"), out);
    }

    @Test
    @Timeout(120)
    void withoutTheExportTheSameWorkUsesArrayAccesses() throws Exception {
        String out = child("-ea");
        assertTrue(out.contains("unchecked=false reason=java.base does not export jdk.internal.access")
                && out.contains("liveBytes=0"), out);
    }

    @Test
    @Timeout(120)
    void theFlagSwitchesThemOff() throws Exception {
        String out = child("-ea", "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED",
                "-Dhakmem.uncheckedMagazines=false");
        assertTrue(out.contains("unchecked=false reason=hakmem.uncheckedMagazines=false liveBytes=0"), out);
    }

    private static String child(String... jvmArgs) throws Exception {
        ChildJvm.Result r = ChildJvm.of(UncheckedArraysChild.class).jvmArgs(jvmArgs).run();
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }
}
