package dev.hakmem.bench.launch;

import dev.hakmem.bench.driver.Driver;
import dev.hakmem.bench.driver.Drivers;
import dev.hakmem.bench.driver.Params;

/**
 * One driver with one set of parameters (complete, defaults filled in).
 *
 * @param driver driver name
 * @param params its parameters, space-separated
 */
public record BenchCase(String driver, String params) {

    /** A case with {@code params} completed by the driver's defaults; validates both. */
    public static BenchCase of(String driver, String params) {
        Driver d = Drivers.byName(driver);
        return new BenchCase(driver, d.complete(Params.parse(params)).toString());
    }

    /** The driver's guess of one run's seconds. */
    public double estimateSeconds() {
        return Drivers.byName(driver).estimateSeconds(Params.parse(params));
    }

    @Override
    public String toString() {
        return driver + " [" + params + "]";
    }
}
