import { describe, expect, it } from 'vitest'
import type { CaseCategory, CaseField, UserSummary } from '@/api/types'
import {
  actionButtonType,
  bboxOf,
  buildCategoryTree,
  CASE_STATES,
  categoryOptions,
  categoryPath,
  checkExtraValue,
  cleanFieldDefs,
  dayRangeToQuery,
  formatDateTime,
  formatDistance,
  formatExtraValue,
  formatMinutes,
  formatSize,
  handlerUsers,
  isOpenState,
  joinMinutes,
  needsReason,
  normalizeExtra,
  shanghaiDayStart,
  sortActions,
  splitMinutes,
  stateLabelKey,
  stateStyle,
  validateExtra,
  validateFieldDefs,
} from './cases'

function cat(id: number, parent: number | null, sort: number, o: Partial<CaseCategory> = {}): CaseCategory {
  return {
    id,
    code: `c${id}`,
    parent_id: parent,
    name: `类${id}`,
    name_en: `Cat ${id}`,
    default_level: 'grid',
    department_unit_id: null,
    department_unit_name: '',
    accept_minutes: 60,
    resolve_minutes: 1440,
    sla_clock: 'working',
    auto_escalate: false,
    dispute: false,
    active: true,
    sort,
    fields: [],
    ...o,
  }
}

function field(key: string, type: CaseField['type'], required = false, options: string[] = []): CaseField {
  return { key, label: key, label_en: key, type, required, options }
}

describe('state presentation', () => {
  it('gives every known state a tag type, a colour and a label key', () => {
    for (const s of CASE_STATES) {
      const st = stateStyle(s)
      expect(['primary', 'success', 'warning', 'danger', 'info']).toContain(st.tag)
      expect(st.color).toMatch(/^#[0-9a-f]{6}$/)
      expect(stateLabelKey(s)).toBe(`caseState.${s}`)
    }
    // distinct marker colours, so the map legend can tell the states apart
    expect(new Set(CASE_STATES.map((s) => stateStyle(s).color)).size).toBe(CASE_STATES.length)
  })

  it('maps the important states to the expected colours', () => {
    expect(stateStyle('reported').tag).toBe('danger')
    expect(stateStyle('dispatched').tag).toBe('primary')
    expect(stateStyle('closed').tag).toBe('success')
    expect(stateStyle('suspended').tag).toBe('info')
  })

  it('treats unknown states as grey, closed and without a label', () => {
    expect(stateStyle('exploded')).toEqual({ tag: 'info', color: '#909399', open: false })
    expect(stateLabelKey('exploded')).toBeNull()
    expect(stateLabelKey(null)).toBeNull()
  })

  it('knows which states are open', () => {
    expect(isOpenState('reported')).toBe(true)
    expect(isOpenState('suspended')).toBe(true)
    expect(isOpenState('closed')).toBe(false)
    expect(isOpenState('merged')).toBe(false)
  })

  it('orders and styles actions', () => {
    expect(sortActions(['reject', 'merge', 'accept'])).toEqual(['accept', 'merge', 'reject'])
    expect(actionButtonType('accept')).toBe('primary')
    expect(actionButtonType('reject')).toBe('danger')
    expect(actionButtonType('escalate')).toBe('warning')
    expect(actionButtonType('hand_down')).toBe('default')
    expect(needsReason('reject')).toBe(true)
    expect(needsReason('hand_down')).toBe(true)
    expect(needsReason('accept')).toBe(false)
    expect(needsReason('resolve')).toBe(false)
  })
})

describe('SLA durations', () => {
  it('splits and joins minutes', () => {
    expect(splitMinutes(150)).toEqual({ hours: 2, minutes: 30 })
    expect(splitMinutes(0)).toEqual({ hours: 0, minutes: 0 })
    expect(splitMinutes(-5)).toEqual({ hours: 0, minutes: 0 })
    expect(splitMinutes(NaN)).toEqual({ hours: 0, minutes: 0 })
    expect(joinMinutes(2, 30)).toBe(150)
    expect(joinMinutes(undefined, 45)).toBe(45)
    expect(joinMinutes(72, null)).toBe(4320)
  })

  it('formats in Chinese and English', () => {
    expect(formatMinutes(150, 'zh-CN')).toBe('2小时30分钟')
    expect(formatMinutes(120, 'zh-CN')).toBe('2小时')
    expect(formatMinutes(45, 'zh-CN')).toBe('45分钟')
    expect(formatMinutes(0, 'zh-CN')).toBe('0分钟')
    expect(formatMinutes(4320, 'zh-CN')).toBe('72小时')
    expect(formatMinutes(150, 'en')).toBe('2 h 30 min')
    expect(formatMinutes(60, 'en')).toBe('1 h')
    expect(formatMinutes(5, 'en')).toBe('5 min')
  })
})

describe('times in Asia/Shanghai', () => {
  it('formats UTC instants as Beijing time', () => {
    expect(formatDateTime('2026-01-05T06:03:09Z')).toBe('2026-01-05 14:03')
    expect(formatDateTime('2026-01-05T16:30:00Z')).toBe('2026-01-06 00:30')
    expect(formatDateTime('2026-01-05T06:03:09Z', true)).toBe('2026-01-05 14:03:09')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('nonsense')).toBe('')
  })

  it('turns a picked day range into an RFC 3339 UTC interval', () => {
    expect(shanghaiDayStart('2026-01-05')).toBe('2026-01-04T16:00:00Z')
    expect(shanghaiDayStart('2026-01-31', 1)).toBe('2026-01-31T16:00:00Z')
    expect(shanghaiDayStart('5 Jan')).toBe('')
    expect(dayRangeToQuery(['2026-01-05', '2026-01-07'])).toEqual({ from: '2026-01-04T16:00:00Z', to: '2026-01-07T16:00:00Z' })
    expect(dayRangeToQuery(null)).toEqual({})
  })

  it('formats distances and sizes', () => {
    expect(formatDistance(350.4)).toBe('350 m')
    expect(formatDistance(2345)).toBe('2.3 km')
    expect(formatSize(2 * 1024 * 1024 + 200_000)).toBe('2.2 MB')
    expect(formatSize(100)).toBe('1 KB')
  })
})

describe('category tree', () => {
  const items = [
    cat(5, 1, 2),
    cat(1, null, 2),
    cat(2, null, 1),
    cat(3, 1, 1),
    cat(4, 2, 1, { active: false }),
    cat(6, 99, 1), // parent missing
    cat(7, 1, 2, { active: false }),
  ]

  it('nests 小类 under 大类, ordered by sort then id, orphans as roots', () => {
    const tree = buildCategoryTree(items)
    expect(tree.map((n) => n.id)).toEqual([2, 6, 1])
    expect(tree.find((n) => n.id === 1)!.children.map((c) => c.id)).toEqual([3, 5, 7])
    expect(tree.find((n) => n.id === 2)!.children.map((c) => c.id)).toEqual([4])
    expect(tree.find((n) => n.id === 6)!.children).toEqual([])
  })

  it('does not alter its input', () => {
    const copy = JSON.parse(JSON.stringify(items))
    buildCategoryTree(items)
    expect(items).toEqual(copy)
  })

  it('builds cascader options, active only for filing', () => {
    const tree = buildCategoryTree(items)
    const all = categoryOptions(tree, false, false)
    expect(all.map((o) => o.value)).toEqual([2, 6, 1])
    expect(all[2]!.children!.map((o) => o.value)).toEqual([3, 5, 7])
    const active = categoryOptions(tree, true, true)
    // 大类 2 has no active 小类 and disappears; inactive 小类 7 is left out
    expect(active.map((o) => o.value)).toEqual([6, 1])
    expect(active[1]!.children!.map((o) => o.value)).toEqual([3, 5])
    expect(active[1]!.label).toBe('Cat 1')
  })

  it('names a category with its parent', () => {
    expect(categoryPath(items, 3)).toBe('类1 / 类3')
    expect(categoryPath(items, 3, true)).toBe('Cat 1 / Cat 3')
    expect(categoryPath(items, 1)).toBe('类1')
    expect(categoryPath(items, 42)).toBe('')
  })
})

describe('extra fields', () => {
  const fields = [
    field('parties', 'number', true),
    field('kind', 'single', true, ['噪音', '漏水']),
    field('since', 'date'),
    field('hazards', 'multi', false, ['堆物', '充电']),
    field('note', 'text'),
  ]

  it('flags missing required values and wrong types', () => {
    expect(validateExtra(fields, {})).toEqual({ parties: 'required', kind: 'required' })
    expect(validateExtra(fields, { parties: '  ', kind: '噪音' })).toEqual({ parties: 'required' })
    expect(validateExtra(fields, { parties: 'abc', kind: '吵', since: '2026/01/05', hazards: ['堆物', '火'] })).toEqual({
      parties: 'number',
      kind: 'option',
      since: 'date',
      hazards: 'option',
    })
    expect(validateExtra(fields, { parties: '3', kind: '漏水', since: '2026-01-05', hazards: [], note: 'x' })).toEqual({})
    expect(checkExtraValue(field('n', 'number'), 0)).toBeNull()
    expect(checkExtraValue(field('d', 'date'), '2026-13-45')).toBe('date')
  })

  it('normalises values for the API', () => {
    expect(
      normalizeExtra(fields, { parties: '3', kind: '噪音', since: '', hazards: ['充电'], note: '  hi ', stray: 'x' }),
    ).toEqual({ parties: 3, kind: '噪音', hazards: ['充电'], note: 'hi' })
    expect(formatExtraValue(['a', 'b'])).toBe('a、b')
    expect(formatExtraValue(3)).toBe('3')
    expect(formatExtraValue(null)).toBe('')
  })

  it('validates field definitions in the category editor', () => {
    const defs: CaseField[] = [
      field('ok_1', 'text'),
      { ...field('', 'text'), label: '' },
      field('Bad-Key', 'number'),
      field('ok_1', 'single', false, ['a', ' a ']),
      field('choice', 'multi', false, ['  ']),
    ]
    expect(validateFieldDefs(defs)).toEqual({
      1: ['key_required', 'label_required'],
      2: ['key_pattern'],
      3: ['key_duplicate', 'options_duplicate'],
      4: ['options_required'],
    })
    expect(cleanFieldDefs([{ ...field(' k ', 'text', true, ['x']), label: ' 名 ' }])).toEqual([
      { key: 'k', label: '名', label_en: 'k', type: 'text', required: true, options: [] },
    ])
  })
})

describe('people and geometry', () => {
  const u = (id: number, name: string, role: string, disabled = false): UserSummary => ({
    id,
    username: `u${id}`,
    display_name: name,
    phone_masked: '',
    unit_id: null,
    disabled,
    roles: [{ role, area_code: '370211001001001' }],
  })

  it('offers enabled handlers, grid workers first', () => {
    const list = handlerUsers([u(1, '乙', 'community_secretary'), u(2, '甲', 'resident'), u(3, '丙', 'grid_worker'), u(4, '丁', 'grid_worker', true), u(5, '戊', 'head')])
    expect(list.map((x) => x.id)).toEqual([3, 1])
  })

  it('computes bounding boxes of polygons and multipolygons', () => {
    expect(bboxOf([[[120, 35], [121, 35], [121, 36], [120, 35]]])).toEqual([120, 35, 121, 36])
    expect(bboxOf([[[[1, 2], [3, 4]]], [[[0, 5], [2, 1]]]])).toEqual([0, 1, 3, 5])
    expect(bboxOf([])).toBeNull()
  })
})
