import type { Attachment, CaseEvent } from '../api/types'

export interface TimelineRow {
  event: CaseEvent
  photos: Attachment[]
}

// A photo uploaded within this time by the same person right after a step
// (the report, a resolution) belongs to that step.
const FOLLOW_MS = 10 * 60_000

/**
 * The timeline as rows, each with its photos. A file filed under a step
 * (event_id) goes with it; the server's "attach" entries fold into the step
 * they follow, or stand alone when added later or by someone else; files that
 * no entry mentions go with the report.
 */
export function timelineRows(events: CaseEvent[], attachments: Attachment[]): TimelineRow[] {
  const byId = new Map(attachments.map((a) => [a.id, a]))
  const eventIds = new Set(events.map((e) => e.id))
  const placed = new Set<number>()
  const rows: TimelineRow[] = []
  for (const e of events) {
    if (e.action !== 'attach') {
      const photos = attachments.filter((a) => a.event_id === e.id)
      photos.forEach((a) => placed.add(a.id))
      rows.push({ event: e, photos })
      continue
    }
    const a = byId.get(Number(e.data?.attachment_id))
    if (a && a.event_id !== null && eventIds.has(a.event_id)) continue // shown with its step
    const prev = rows[rows.length - 1]
    if (a && prev && prev.event.actor_name === e.actor_name && Date.parse(e.at) - Date.parse(prev.event.at) <= FOLLOW_MS) {
      prev.photos.push(a)
      placed.add(a.id)
      continue
    }
    if (a) placed.add(a.id)
    rows.push({ event: e, photos: a ? [a] : [] })
  }
  const rest = attachments.filter((a) => !placed.has(a.id))
  if (rest.length) {
    const report = rows.find((r) => r.event.action === 'report') ?? rows[0]
    report?.photos.push(...rest)
  }
  return rows
}

/** Images only (PDFs and other files are not shown as photos). */
export function images(list: Attachment[]): Attachment[] {
  return list.filter((a) => a.content_type.startsWith('image/'))
}
