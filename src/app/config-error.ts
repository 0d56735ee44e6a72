/**
 * The start-up failure: `message` is the one line to print (the variable, what is wrong, the fix).
 * Its own module so every settings parser can throw it without importing the whole configuration.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
