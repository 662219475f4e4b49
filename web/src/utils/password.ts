// The password policy as the server applies it (internal/auth/password.go),
// checked while typing so that the user sees which rules a new password
// still misses. The server checks again, and alone knows two more rules: the
// list of common passwords and the last five passwords of the account.

export const PASSWORD_MIN_LENGTH = 12
/** Character classes needed out of lower case, upper case, digits, symbols. */
export const PASSWORD_MIN_CLASSES = 3

/** The rules a client can check, named as the server's field error rules. */
export type PasswordRule = 'min_length' | 'classes' | 'username'

/** How many of lower case, upper case, digits and other characters (Chinese included) the password uses. */
export function characterClasses(pw: string): number {
  let n = 0
  if (/\p{Ll}/u.test(pw)) n++
  if (/\p{Lu}/u.test(pw)) n++
  if (/\p{Nd}/u.test(pw)) n++
  if (/[^\p{Ll}\p{Lu}\p{Nd}]/u.test(pw)) n++
  return n
}

/** For each rule the client can check, whether the password meets it. */
export function passwordChecks(pw: string, username: string): Record<PasswordRule, boolean> {
  const name = username.trim().toLowerCase()
  return {
    min_length: [...pw].length >= PASSWORD_MIN_LENGTH,
    classes: characterClasses(pw) >= PASSWORD_MIN_CLASSES,
    // As the server: a username shorter than 3 bytes is not looked for.
    username: new TextEncoder().encode(name).length < 3 || !pw.toLowerCase().includes(name),
  }
}

/** The first rule the password misses, or null. */
export function firstMissedRule(pw: string, username: string): PasswordRule | null {
  const c = passwordChecks(pw, username)
  return (Object.keys(c) as PasswordRule[]).find((r) => !c[r]) ?? null
}
