package io.flashsale.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The meters of one Flashsale process, in Prometheus' text format. Every series carries {@code process} (api,
 * topology, sink, payment-simulator), so that one Prometheus can tell the parts apart however it labels its
 * targets. The JVM's own meters come with it.
 */
public final class ProcessMeters {
  /** The tag every series of a process carries. */
  public static final String PROCESS_TAG = "process";

  private ProcessMeters() {}

  public static PrometheusMeterRegistry create(String process) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(PROCESS_TAG, process);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry); // holds a GC listener for the life of the process, as the registry does
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }
}
