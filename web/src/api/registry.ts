// The registry (实有人口 · 实有房屋 · 一户一档): buildings, houses, households,
// persons, the household file, search and the new-citizen figures.
import { ApiError, buildUrl, getCsrfToken, networkError, notifyUnauthorized, request, requestWithHeaders } from './client'
import type {
  RegAppeal,
  RegBuilding,
  RegBuildingPatch,
  RegCampaign,
  RegCampaignReport,
  RegCampaignVisit,
  RegImportJob,
  RegImportMode,
  RegNewCampaign,
  RegNewCampaignVisit,
  Problem,
  RegChange,
  RegHouse,
  RegHousePatch,
  RegHousehold,
  RegHouseholdFile,
  RegHouseholdPatch,
  RegNewBuilding,
  RegNewHouse,
  RegNewHousehold,
  RegNewMember,
  RegPersonPatch,
  RegNewCitizenStats,
  RegNewPerson,
  RegPage,
  RegPerson,
  RegRevealed,
  RegSearchResult,
  RegTag,
  RegVisit,
} from './types'

const R = '/registry'

export interface PersonListParams {
  area?: string
  name?: string
  tag?: string
  residence_type?: string
  status?: string
  household_id?: number
  moved_in_within_days?: number
  limit?: number
  before_id?: number
}

export const registryApi = {
  buildings(q: { area?: string; q?: string; limit?: number; before_id?: number }, signal?: AbortSignal): Promise<RegPage<RegBuilding>> {
    return request(`${R}/buildings`, { query: { ...q }, signal })
  },
  building(id: number): Promise<RegBuilding> {
    return request(`${R}/buildings/${id}`)
  },
  houses(q: { area?: string; building_id?: number; usage?: string; occupied?: boolean; address?: string; limit?: number; before_id?: number }): Promise<RegPage<RegHouse>> {
    return request(`${R}/houses`, { query: { ...q } })
  },
  house(id: number): Promise<RegHouse> {
    return request(`${R}/houses/${id}`)
  },
  buildingHistory(id: number): Promise<{ items: RegChange[] }> {
    return request(`${R}/buildings/${id}/history`)
  },
  houseHistory(id: number): Promise<{ items: RegChange[] }> {
    return request(`${R}/houses/${id}/history`)
  },
  households(q: { area?: string; house_id?: number; include_closed?: boolean; limit?: number }): Promise<RegPage<RegHousehold>> {
    return request(`${R}/households`, { query: { ...q } })
  },
  file(id: number): Promise<RegHouseholdFile> {
    return request(`${R}/households/${id}/file`)
  },
  addAppeal(householdID: number, content: string, raisedOn?: string): Promise<RegAppeal> {
    return request(`${R}/households/${householdID}/appeals`, { method: 'POST', body: { content, raised_on: raisedOn || undefined } })
  },
  addVisit(householdID: number, note: string, visitedOn?: string): Promise<RegVisit> {
    return request(`${R}/households/${householdID}/visits`, { method: 'POST', body: { note, visited_on: visitedOn || undefined } })
  },
  appealToCase(appealID: number, categoryID: number): Promise<{ appeal: RegAppeal; case: { id: number } }> {
    return request(`${R}/appeals/${appealID}/case`, { method: 'POST', body: { category_id: categoryID } })
  },
  persons(q: PersonListParams, signal?: AbortSignal): Promise<RegPage<RegPerson>> {
    return request(`${R}/persons`, { query: { ...q }, signal })
  },
  search(q: string, area?: string, signal?: AbortSignal): Promise<RegSearchResult> {
    return request(`${R}/search`, { query: { q, area, limit: 50 }, signal })
  },
  person(id: number): Promise<RegPerson> {
    return request(`${R}/persons/${id}`)
  },
  personHistory(id: number): Promise<{ items: RegChange[] }> {
    return request(`${R}/persons/${id}/history`)
  },
  reveal(id: number): Promise<RegRevealed> {
    return request(`${R}/persons/${id}/reveal`, { method: 'POST' })
  },
  createPerson(p: RegNewPerson): Promise<RegPerson> {
    return request(`${R}/persons`, { method: 'POST', body: p })
  },
  tags(): Promise<{ items: RegTag[] }> {
    return request(`${R}/tags`)
  },
  newCitizenStats(area?: string, days = 30): Promise<RegNewCitizenStats> {
    return request(`${R}/stats/new-citizens`, { query: { area, days } })
  },
  campaigns(q: { area?: string; state?: string; limit?: number } = {}): Promise<RegPage<RegCampaign>> {
    return request(`${R}/campaigns`, { query: { ...q } })
  },
  campaign(id: number): Promise<RegCampaign> {
    return request(`${R}/campaigns/${id}`)
  },
  createCampaign(c: RegNewCampaign): Promise<RegCampaign> {
    return request(`${R}/campaigns`, { method: 'POST', body: c })
  },
  setCampaignState(id: number, state: 'active' | 'closed'): Promise<RegCampaign> {
    return request(`${R}/campaigns/${id}`, { method: 'PATCH', body: { state } })
  },
  figures(id: number, area?: string): Promise<RegCampaignReport> {
    return request(`${R}/campaigns/${id}/figures`, { query: { area } })
  },
  unvisited(id: number, q: { area?: string; limit?: number; before_id?: number } = {}): Promise<RegPage<RegHouse>> {
    return request(`${R}/campaigns/${id}/unvisited`, { query: { ...q } })
  },
  recordVisit(id: number, v: RegNewCampaignVisit): Promise<RegCampaignVisit> {
    return request(`${R}/campaigns/${id}/visits`, { method: 'POST', body: v })
  },
  houseVisits(id: number, houseID: number): Promise<{ items: RegCampaignVisit[] }> {
    return request(`${R}/campaigns/${id}/houses/${houseID}/visits`)
  },
  // Writes: the console channel is the server's default.
  createBuilding(b: RegNewBuilding): Promise<RegBuilding> {
    return request(`${R}/buildings`, { method: 'POST', body: b })
  },
  updateBuilding(id: number, b: RegBuildingPatch): Promise<RegBuilding> {
    return request(`${R}/buildings/${id}`, { method: 'PATCH', body: b })
  },
  createHouse(h: RegNewHouse): Promise<RegHouse> {
    return request(`${R}/houses`, { method: 'POST', body: h })
  },
  updateHouse(id: number, h: RegHousePatch): Promise<RegHouse> {
    return request(`${R}/houses/${id}`, { method: 'PATCH', body: h })
  },
  createHousehold(h: RegNewHousehold): Promise<RegHousehold> {
    return request(`${R}/households`, { method: 'POST', body: h })
  },
  updateHousehold(id: number, h: RegHouseholdPatch): Promise<RegHousehold> {
    return request(`${R}/households/${id}`, { method: 'PATCH', body: h })
  },
  closeHousehold(id: number): Promise<RegHousehold> {
    return request(`${R}/households/${id}/close`, { method: 'POST', body: {} })
  },
  addMember(householdID: number, m: RegNewMember): Promise<RegHousehold> {
    return request(`${R}/households/${householdID}/members`, { method: 'POST', body: m })
  },
  leave(householdID: number, personID: number, leftOn?: string): Promise<RegHousehold> {
    return request(`${R}/households/${householdID}/members/${personID}/leave`, { method: 'POST', body: leftOn ? { left_on: leftOn } : {} })
  },
  updateAppeal(id: number, status: string): Promise<RegAppeal> {
    return request(`${R}/appeals/${id}`, { method: 'PATCH', body: { status } })
  },
  updatePerson(id: number, p: RegPersonPatch): Promise<RegPerson> {
    return request(`${R}/persons/${id}`, { method: 'PATCH', body: p })
  },
  setTags(id: number, tags: string[]): Promise<RegPerson> {
    return request(`${R}/persons/${id}/tags`, { method: 'PUT', body: { tags } })
  },
  /** Adds a tag (no id) or changes one; a tag's code never changes. */
  saveTag(tag: Omit<RegTag, 'id'> & { id?: number }): Promise<RegTag> {
    return tag.id ? request(`${R}/tags/${tag.id}`, { method: 'PUT', body: tag }) : request(`${R}/tags`, { method: 'POST', body: tag })
  },
  templateUrl: `/api/v1${R}/import/template.xlsx`,
  /** The xlsx export of a list with its filters (empty ones left out); the server audits it. */
  exportUrl(list: 'persons' | 'buildings' | 'houses' | 'households', params: Record<string, string | number | boolean | undefined>): string {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== '' && v !== false) q.set(k, String(v))
    }
    const qs = q.toString()
    return `/api/v1${R}/${list}/export.xlsx${qs ? `?${qs}` : ''}`
  },
  /**
   * Uploads a persons ledger as an import job (Prefer: respond-async): resolves
   * with the job the server answered 202 with, to be followed with importJob.
   * It goes by XMLHttpRequest for the upload's progress (onUpload: bytes sent,
   * bytes to send). A refusal of the upload itself (413, a wrong file type…)
   * throws an ApiError; rows are checked by the job.
   */
  startImport(
    file: File,
    mode: RegImportMode,
    area?: string,
    opts: { onUpload?: (loaded: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<RegImportJob> {
    const form = new FormData()
    form.append('mode', mode)
    if (area) form.append('area', area)
    form.append('file', file, file.name)
    return new Promise((resolve, reject) => {
      if (opts.signal?.aborted) {
        reject(new DOMException('The upload was aborted.', 'AbortError'))
        return
      }
      const xhr = new XMLHttpRequest()
      xhr.open('POST', buildUrl(`${R}/import`))
      xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
      xhr.setRequestHeader('Prefer', 'respond-async')
      const token = getCsrfToken()
      if (token) xhr.setRequestHeader('X-CSRF-Token', token)
      const onUpload = opts.onUpload
      if (onUpload) {
        xhr.upload.onprogress = (e: ProgressEvent) => onUpload(e.loaded, e.lengthComputable ? e.total : file.size)
      }
      xhr.onload = () => {
        try {
          resolve(importAnswer(xhr.status, xhr.statusText, xhr.responseText))
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) notifyUnauthorized()
          reject(e)
        }
      }
      xhr.onerror = () => reject(networkError())
      xhr.onabort = () => reject(new DOMException('The upload was aborted.', 'AbortError'))
      opts.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
      xhr.send(form)
    })
  },
  /** An import job of the caller's, with the seconds the server asks to wait before asking again (Retry-After) while it runs. */
  async importJob(id: string, signal?: AbortSignal): Promise<{ job: RegImportJob; retryAfter: string | null }> {
    const { data, headers } = await requestWithHeaders<RegImportJob>(`${R}/imports/${encodeURIComponent(id)}`, { signal })
    return { job: data, retryAfter: headers.get('Retry-After') }
  },
  /** The caller's last 20 imports, newest first. */
  importJobs(signal?: AbortSignal): Promise<{ items: RegImportJob[] }> {
    return request(`${R}/imports`, { signal })
  },
}

/**
 * The job in the answer to an import upload (202, or 200/201 with a job); any
 * other answer becomes an ApiError with its problem.
 */
export function importAnswer(status: number, statusText: string, text: string): RegImportJob {
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = null
  }
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : null
  if (status >= 200 && status < 300 && obj && typeof obj.id === 'string') return obj as unknown as RegImportJob
  const problem: Problem =
    obj && status >= 400 ? (obj as Problem) : { title: statusText || `HTTP ${status}`, code: `http_${status}` }
  throw new ApiError(status, { status, ...problem })
}
