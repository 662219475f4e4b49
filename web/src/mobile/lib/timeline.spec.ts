import { describe, expect, it } from 'vitest'
import type { Attachment, CaseEvent } from '../api/types'
import { timelineRows } from './timeline'

let seq = 0
const ev = (id: number, action: string, actor: string, minute: number, data: Record<string, unknown> = {}): CaseEvent => ({
  id,
  at: new Date(Date.UTC(2026, 4, 1, 8, minute)).toISOString(),
  actor_name: actor,
  action,
  from_state: null,
  to_state: 'reported',
  level: 'grid',
  note: '',
  data,
})
const att = (id: number, event_id: number | null = null): Attachment => ({
  id,
  case_id: 1,
  event_id,
  filename: `f${++seq}.png`,
  content_type: 'image/png',
  size: 1,
  url: `/a/${id}`,
  thumbnail_url: `/a/${id}/t`,
  created_at: '',
})
const shape = (rows: ReturnType<typeof timelineRows>) => rows.map((r) => [r.event.action, r.photos.map((p) => p.id)])

describe('timelineRows', () => {
  it('puts files filed under a step with that step and hides their attach entries', () => {
    const rows = timelineRows(
      [ev(1, 'report', 'R', 0), ev(2, 'start', 'W', 5), ev(3, 'resolve', 'W', 9), ev(4, 'attach', 'W', 9, { attachment_id: 20 })],
      [att(20, 3)],
    )
    expect(shape(rows)).toEqual([['report', []], ['start', []], ['resolve', [20]]])
  })

  it('folds an attach entry into the step its author just took', () => {
    const rows = timelineRows(
      [ev(1, 'report', 'R', 0), ev(2, 'attach', 'R', 1, { attachment_id: 10 }), ev(3, 'attach', 'R', 1, { attachment_id: 11 }), ev(4, 'accept', 'D', 30)],
      [att(10), att(11)],
    )
    expect(shape(rows)).toEqual([['report', [10, 11]], ['accept', []]])
  })

  it('keeps a later or foreign attach entry as its own step', () => {
    const rows = timelineRows(
      [ev(1, 'report', 'R', 0), ev(2, 'attach', 'W', 2, { attachment_id: 10 }), ev(3, 'attach', 'W', 50, { attachment_id: 11 })],
      [att(10), att(11)],
    )
    expect(shape(rows)).toEqual([['report', []], ['attach', [10]], ['attach', [11]]])
  })

  it('gives files that no entry mentions to the report', () => {
    expect(shape(timelineRows([ev(1, 'report', 'R', 0), ev(2, 'accept', 'D', 3)], [att(10)]))).toEqual([
      ['report', [10]],
      ['accept', []],
    ])
  })
})
