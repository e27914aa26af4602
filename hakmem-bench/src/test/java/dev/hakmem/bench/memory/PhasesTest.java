package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhasesTest {

    @Test
    void marksInOrderAndRoundTripsThroughTheOutputLine() {
        Phases p = new Phases(System.nanoTime());
        p.begin("build 90 % 16-256 B");
        p.begin("round 1: free half, refill 272-1024 B");
        List<Phases.Phase> l = p.list();
        assertEquals(2, l.size());
        assertTrue(l.get(0).ms() >= 0 && l.get(1).ms() >= l.get(0).ms(), l.toString());
        for (Phases.Phase ph : l) {
            assertEquals(ph, Phases.parse(Phases.toLine(ph)));
        }
        assertEquals("PHASE\t12\tfree all", Phases.toLine(new Phases.Phase(12, "free all")));
    }

    @Test
    void refusesNamesThatWouldBreakTheLineAndBadLines() {
        Phases p = new Phases(System.nanoTime());
        assertThrows(IllegalArgumentException.class, () -> p.begin("a\tb"));
        assertThrows(IllegalArgumentException.class, () -> p.begin("a\nb"));
        assertThrows(IllegalArgumentException.class, () -> p.begin(" "));
        assertThrows(IllegalArgumentException.class, () -> Phases.parse("SAMPLE\t1\t2"));
        assertThrows(IllegalArgumentException.class, () -> Phases.parse("PHASE\tx\tname"));
        assertThrows(IllegalArgumentException.class, () -> Phases.parse("PHASE\t1"));
    }

    @Test
    void peakPerPhaseTakesTheSamplesFromItsStartToTheNextStart() {
        List<Phases.Phase> phases = List.of(new Phases.Phase(0, "a"), new Phases.Phase(100, "b"),
                new Phases.Phase(200, "c"), new Phases.Phase(250, "d"));
        long[][] samples = {{0, 0, 1100}, {50, 0, 1500}, {100, 0, 1200}, {150, 0, 1900}, {199, 0, 1000},
            {300, 0, 1300}, {400, 0, 1050}};
        double[] peak = Phases.peakRssKiB(phases, samples, 1000);
        // a: 0-99 -> 500; b: 100-199 -> 900; c: 200-249 -> no sample; d: 250- -> 300
        assertArrayEquals(new double[] {500, 900, Double.NaN, 300}, peak);
    }
}
