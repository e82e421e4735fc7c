package io.flashsale.bench;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH benchmarks of io.flashsale.bench.jmh from this process and keeps their scores. */
final class JmhBench {
  private static final String BENCHMARKS = "io\\.flashsale\\.bench\\.jmh\\..*";

  private final BenchConfig config;
  private final BenchResults results;

  JmhBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  void run() throws Exception {
    System.out.printf("%nJMH: decision processor and serdes (%d fork(s), %d+%d iterations of %s)%n", config.jmhForks(),
        config.jmhWarmupIterations(), config.jmhMeasurementIterations(), config.jmhIterationTime());
    TimeValue iteration = TimeValue.milliseconds(config.jmhIterationTime().toMillis());
    Options options = new OptionsBuilder()
        .include(BENCHMARKS)
        .forks(config.jmhForks())
        .warmupIterations(config.jmhWarmupIterations())
        .warmupTime(iteration)
        .measurementIterations(config.jmhMeasurementIterations())
        .measurementTime(iteration)
        .mode(Mode.Throughput)
        .timeUnit(TimeUnit.SECONDS)
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> runs = new Runner(options).run();
    for (RunResult run : runs) {
      String name = run.getParams().getBenchmark().replaceFirst("^io\\.flashsale\\.bench\\.jmh\\.", "");
      results.jmhOpsPerSecond.put(name, run.getPrimaryResult().getScore());
    }
  }
}
