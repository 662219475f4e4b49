// History rows as people read them: field codes and enum values in words.
import type { RegGroup } from './labels'

/**
 * Every field code the server writes into the registry history
 * (internal/registry: record/diff), per entity. A code missing here still
 * shows, as itself.
 */
export const HISTORY_FIELDS = [
  // every entity
  'created',
  // building
  'name',
  'address',
  'location',
  'floors',
  'units',
  'head_user_id',
  // house
  'unit',
  'floor',
  'room',
  'usage',
  'floor_area',
  'owner_name',
  // household
  'household_type',
  'note',
  'closed',
  'member',
  'head_person_id',
  'appeal',
  'appeal_status',
  'appeal_case',
  // person
  'household_id',
  'relationship',
  'area_code',
  'status',
  'ethnicity',
  'residence_type',
  'hukou_address',
  'origin',
  'employer',
  'tenancy',
  'moved_in_on',
  'lease_ends_on',
  'id_type',
  'id_number',
  'gender',
  'birth_date',
  'phone',
  'tags',
] as const

/** Fields whose values are codes of a label group. */
export const VALUE_GROUPS: Record<string, RegGroup> = {
  usage: 'usageLabels',
  household_type: 'typeLabels',
  relationship: 'relationLabels',
  status: 'statusLabels',
  residence_type: 'residenceLabels',
  tenancy: 'tenancyLabels',
  id_type: 'idTypeLabels',
  gender: 'genderLabels',
}

type Translate = (group: RegGroup, code: string) => string

/**
 * A history value in words: enum codes through their labels, and the
 * appeal status rows ("#12 resolved") with the status translated.
 */
export function historyValue(field: string, value: string | null | undefined, label: Translate): string {
  if (value === null || value === undefined || value === '') return '—'
  const group = VALUE_GROUPS[field]
  if (group) return label(group, value)
  if (field === 'appeal_status') {
    const m = /^(#\d+) (\w+)$/.exec(value)
    if (m) return `${m[1]} ${label('appealLabels', m[2])}`
  }
  return value
}

/**
 * The i18n key of a history field's label: an entity's own wording first
 * (a person's "name" is 姓名), then the field's; null when neither exists,
 * and the code is shown as it is.
 */
export function historyFieldKey(entity: string, field: string, exists: (key: string) => boolean): string | null {
  for (const key of [`registry.entityFieldLabels.${entity}.${field}`, `registry.fieldLabels.${field}`]) {
    if (exists(key)) return key
  }
  return null
}
