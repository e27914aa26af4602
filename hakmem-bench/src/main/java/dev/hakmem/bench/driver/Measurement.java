package dev.hakmem.bench.driver;

/**
 * What a driver measured: operations done and the wall time they took.
 *
 * @param ops   operations counted as the driver's spec says
 * @param nanos wall time of the measured phase (setup and the final clean-up excluded)
 */
public record Measurement(long ops, long nanos) {

    public Measurement {
        if (ops < 0 || nanos <= 0) {
            throw new IllegalArgumentException("ops " + ops + ", nanos " + nanos);
        }
    }
}
