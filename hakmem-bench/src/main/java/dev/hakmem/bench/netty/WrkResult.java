package dev.hakmem.bench.netty;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run reports: requests per second, the latency percentiles of
 * its "Latency Distribution" (milliseconds), the requests completed and the errors (socket
 * errors of every kind plus non-2xx/3xx responses).
 */
public record WrkResult(double requestsPerSec, double p50Ms, double p75Ms, double p90Ms, double p99Ms, long requests,
                        long errors) {

    private static final Pattern RPS = Pattern.compile("^Requests/sec:\\s+([0-9.]+)", Pattern.MULTILINE);
    private static final Pattern REQUESTS = Pattern.compile("^\\s*(\\d+) requests in ", Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    /**
     * Parses wrk's output.
     *
     * @throws IllegalArgumentException when it lacks the requests per second or a percentile
     *                                  (wrk failed, or ran without {@code --latency})
     */
    public static WrkResult parse(String out) {
        Matcher rps = RPS.matcher(out);
        if (!rps.find()) {
            throw new IllegalArgumentException("no 'Requests/sec' in wrk's output: " + out.strip());
        }
        Matcher req = REQUESTS.matcher(out);
        long requests = req.find() ? Long.parseLong(req.group(1)) : 0;
        long errors = 0;
        Matcher se = SOCKET_ERRORS.matcher(out);
        if (se.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(se.group(g));
            }
        }
        Matcher bad = NON_2XX.matcher(out);
        if (bad.find()) {
            errors += Long.parseLong(bad.group(1));
        }
        return new WrkResult(Double.parseDouble(rps.group(1)), percentile(out, 50), percentile(out, 75),
                percentile(out, 90), percentile(out, 99), requests, errors);
    }

    /** The {@code p}% line of the latency distribution, in milliseconds. */
    static double percentile(String out, int p) {
        Matcher m = Pattern.compile("^\\s*" + p + "%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE).matcher(out);
        if (!m.find()) {
            throw new IllegalArgumentException("no " + p + "% latency in wrk's output (run it with --latency): "
                    + out.strip());
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            default -> v * 60_000;
        };
    }
}
