import type { User } from '@/api/types'
import { isWithin } from './areas'

/**
 * Whether the user may use a permission over a record of this area: the
 * permission holds over an area the record lies in (/auth/me says where each
 * permission holds; a server that does not say falls back to the role
 * bindings). The server checks the scope on every write anyway.
 */
export function holdsOver(user: User | null | undefined, permission: string, areaCode: string | null | undefined): boolean {
  if (!user || !areaCode) return false
  const perms = user.permissions ?? []
  if (!perms.includes(permission) && !perms.includes('*')) return false
  const areas = user.permission_areas?.[permission]
  if (areas) return areas.some((a) => isWithin(areaCode, a))
  return (user.roles ?? []).some((r) => isWithin(areaCode, r.area_code))
}
