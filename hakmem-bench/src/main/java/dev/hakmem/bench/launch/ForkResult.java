package dev.hakmem.bench.launch;

import dev.hakmem.bench.report.ResultRow;
import java.util.List;

/**
 * What one forked JVM produced.
 *
 * @param rows    its measured runs
 * @param error   why it failed, or {@code null} if it did not
 * @param seconds its wall time, JVM start-up included
 */
public record ForkResult(List<ResultRow> rows, String error, double seconds) {}
