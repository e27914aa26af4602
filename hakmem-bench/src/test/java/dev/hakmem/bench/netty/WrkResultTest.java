package dev.hakmem.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Parsing wrk's report: requests/s, percentiles in any unit, errors; a report without them is refused. */
class WrkResultTest {

    static final String OUT = """
            Running 2s test @ http://127.0.0.1:38791/bytes/256
              2 threads and 32 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.68ms    2.54ms  28.29ms   90.25%
                Req/Sec    15.38k     5.66k   26.24k    65.00%
              Latency Distribution
                 50%  779.00us
                 75%    1.87ms
                 90%    4.16ms
                 99%    1.34s
              61271 requests in 2.02s, 19.63MB read
            Requests/sec:  30333.21
            Transfer/sec:      9.72MB
            """;

    @Test
    void parsesRateLatenciesAndCount() {
        WrkResult r = WrkResult.parse(OUT);
        assertEquals(30333.21, r.requestsPerSec(), 1e-9);
        assertEquals(0.779, r.p50Ms(), 1e-9);
        assertEquals(1.87, r.p75Ms(), 1e-9);
        assertEquals(4.16, r.p90Ms(), 1e-9);
        assertEquals(1340.0, r.p99Ms(), 1e-9);
        assertEquals(61271, r.requests());
        assertEquals(0, r.errors());
    }

    @Test
    void countsSocketErrorsAndBadResponses() {
        String out = OUT.replace("Requests/sec:", "  Socket errors: connect 1, read 2, write 3, timeout 4\n"
                + "  Non-2xx or 3xx responses: 10\nRequests/sec:");
        assertEquals(20, WrkResult.parse(out).errors());
    }

    @Test
    void refusesOutputWithoutRateOrPercentiles() {
        assertThrows(IllegalArgumentException.class, () -> WrkResult.parse("unable to connect to 127.0.0.1:1 Connection refused"));
        String noLatency = OUT.replaceAll("(?m)^\\s+\\d\\d%.*\\n", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WrkResult.parse(noLatency));
        assertEquals(true, e.getMessage().startsWith("no 50% latency"), e.getMessage());
    }
}
