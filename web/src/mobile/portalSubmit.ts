// The resident portal sends at once (it keeps no outbox); the draft's
// Idempotency-Key still makes a retry after a lost response safe.
import { errorText, mCaseApi } from './api'
import type { Draft, SubmitResult } from './lib/outbox'
import { mobileLocale } from './i18n'

export async function submitNow(d: Draft): Promise<SubmitResult> {
  const c = await mCaseApi.create(d.input, d.key)
  const photoErrors: string[] = []
  for (const p of d.photos) {
    try {
      await mCaseApi.upload(c.id, p.blob, p.name, { key: p.key })
    } catch (e) {
      photoErrors.push(`${p.name}: ${errorText(e, mobileLocale(), String(e))}`)
    }
  }
  return { kind: 'sent', caseId: c.id, photosQueued: 0, photoErrors }
}
