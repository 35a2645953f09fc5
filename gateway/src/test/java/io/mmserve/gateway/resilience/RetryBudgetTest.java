package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void new_startsFullWithBurstTokens() {
    RetryBudget budget = new RetryBudget(0.2, 3);

    assertEquals(3.0, budget.tokens());
  }

  @Test
  void tryWithdraw_allowsBurstRetriesAtOnceThenRefuses() {
    RetryBudget budget = new RetryBudget(0.2, 3);

    assertTrue(budget.tryWithdraw());
    assertTrue(budget.tryWithdraw());
    assertTrue(budget.tryWithdraw());
    assertFalse(budget.tryWithdraw());
  }

  @Test
  void tryWithdraw_whenRefused_takesNothing() {
    RetryBudget budget = new RetryBudget(0.5, 1);
    budget.tryWithdraw();
    budget.deposit();

    assertFalse(budget.tryWithdraw());
    assertEquals(0.5, budget.tokens());
  }

  @Test
  void deposit_ofEachFirstAttemptEarnsRatioRetries() {
    RetryBudget budget = emptied(new RetryBudget(0.25, 10));

    for (int i = 0; i < 8; i++) {
      budget.deposit();
    }

    assertTrue(budget.tryWithdraw());
    assertTrue(budget.tryWithdraw());
    assertFalse(budget.tryWithdraw(), "8 first attempts x 0.25 = 2 retries");
  }

  @Test
  void deposit_ofOneOverRatioFirstAttempts_earnsOneRetryForADecimalRatio() {
    RetryBudget budget = emptied(new RetryBudget(0.1, 10));

    for (int i = 0; i < 10; i++) {
      budget.deposit();
    }

    assertTrue(budget.tryWithdraw(), "10 first attempts x 0.1 = 1 retry");
  }

  @Test
  void deposit_neverFillsBeyondBurst() {
    RetryBudget budget = new RetryBudget(0.5, 2);

    for (int i = 0; i < 100; i++) {
      budget.deposit();
    }

    assertEquals(2.0, budget.tokens());
  }

  @Test
  void zeroBudget_neverAllowsARetry() {
    RetryBudget budget = new RetryBudget(0, 0);
    budget.deposit();

    assertFalse(budget.tryWithdraw());
  }

  @Test
  void new_rejectsNegativeRatioShowingTheValues() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new RetryBudget(-0.1, 5));

    assertEquals("retry budget ratio and burst must not be negative: -0.1, 5", e.getMessage());
  }

  @Test
  void new_rejectsNegativeBurst() {
    assertThrows(IllegalArgumentException.class, () -> new RetryBudget(0.2, -1));
  }

  private static RetryBudget emptied(RetryBudget budget) {
    while (budget.tryWithdraw()) {
      // spend the initial burst
    }
    return budget;
  }
}
