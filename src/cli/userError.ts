/** A problem with what the user asked for (bad flag value, unknown corpus): printed as one line. */
export class UserError extends Error {
  override name = 'UserError';
}
