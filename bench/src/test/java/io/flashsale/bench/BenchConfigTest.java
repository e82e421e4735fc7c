package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchConfigTest {
  @Test
  void theLiveRatesComeFromTheEnvironmentOrTheDefaults() {
    assertThat(BenchConfig.fromEnv(Map.of(), false).e2eRates()).isEqualTo(BenchConfig.E2E_RATES);
    assertThat(BenchConfig.fromEnv(Map.of(), true).e2eRates()).isEqualTo(BenchConfig.E2E_RATES_QUICK);
    assertThat(BenchConfig.fromEnv(Map.of("FLASHSALE_BENCH_E2E_RATES", " 3000, 4500"), true).e2eRates())
        .containsExactly(3_000, 4_500);
  }

  @Test
  void ratesThatAreNotPositiveNumbersNameTheirVariable() {
    for (String rates : new String[] {"3k", "1000,0", ","}) {
      assertThatThrownBy(() -> BenchConfig.fromEnv(Map.of("FLASHSALE_BENCH_E2E_RATES", rates), false))
          .as(rates).hasMessageContaining("FLASHSALE_BENCH_E2E_RATES").hasMessageContaining("comma-separated");
    }
  }
}
