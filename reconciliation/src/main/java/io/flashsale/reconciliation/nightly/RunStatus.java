package io.flashsale.reconciliation.nightly;


/** How a run ended; the command's exit code follows from it. */
public enum RunStatus {
  /** The three parties agree. */
  CLEAN,
  /** Everything found was corrected by this run. */
  CORRECTED,
  /** Everything found had been corrected by an earlier run of the day; the effects are on their way. */
  NOTHING_NEW,
  /** Something only a person can settle: see the report. */
  NEEDS_PERSON,
  /** The run could not finish (a party did not answer); nothing it found is to be trusted. */
  FAILED
}
