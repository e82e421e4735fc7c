package io.flashsale.settings;

/** A setting the process cannot start with; the message starts with the variable's name. */
public final class SettingException extends IllegalArgumentException {
  private final String variable;

  public SettingException(String variable, String problem) {
    super(variable + " " + problem);
    this.variable = variable;
  }

  /** The environment variable at fault. */
  public String variable() {
    return variable;
  }
}
