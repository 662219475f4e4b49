import type { User } from '@/api/types'
import { isWithin } from './areas'

/**
 * Whether the user may use a permission over a record of this area, as far
 * as the console can tell: the permission is among theirs and the record
 * lies inside one of their role bindings. (/auth/me lists permissions without
 * saying which binding grants which, so a user with a read-only role over a
 * wider area may still see a button the server then refuses; the server
 * checks the scope on every write.)
 */
export function holdsOver(user: User | null | undefined, permission: string, areaCode: string | null | undefined): boolean {
  if (!user || !areaCode) return false
  const perms = user.permissions ?? []
  if (!perms.includes(permission) && !perms.includes('*')) return false
  return (user.roles ?? []).some((r) => isWithin(areaCode, r.area_code))
}
