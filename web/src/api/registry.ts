// The registry (实有人口 · 实有房屋 · 一户一档): buildings, houses, households,
// persons, the household file, search and the new-citizen figures.
import { ApiError, buildUrl, getCsrfToken, request } from './client'
import type {
  RegAppeal,
  RegBuilding,
  RegBuildingPatch,
  RegCampaign,
  RegCampaignReport,
  RegCampaignVisit,
  RegImportMode,
  RegImportResult,
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
  /**
   * Uploads a persons ledger. A rejection (422 import_rejected, all-or-nothing
   * mode with invalid rows) resolves as a result with stored=false, the problems
   * and the report URL; any other failure throws an ApiError.
   */
  async importLedger(file: File, mode: RegImportMode, area?: string): Promise<RegImportResult> {
    const form = new FormData()
    form.append('mode', mode)
    if (area) form.append('area', area)
    form.append('file', file, file.name)
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
    const token = getCsrfToken()
    if (token) headers['X-CSRF-Token'] = token
    let res: Response
    try {
      res = await fetch(buildUrl(`${R}/import`), { method: 'POST', body: form, headers, credentials: 'same-origin' })
    } catch {
      throw new ApiError(0, { status: 0, code: 'network_error', title: 'Network error', detail: 'The server could not be reached.', detail_zh: '无法连接服务器，请检查网络。' })
    }
    let body: unknown = null
    try {
      body = await res.json()
    } catch {
      body = null
    }
    if (res.ok) return body as RegImportResult
    const problem = (body && typeof body === 'object' ? body : { title: res.statusText }) as Problem & Partial<RegImportResult>
    if (res.status === 422 && problem.code === 'import_rejected') {
      return {
        mode,
        rows: problem.rows ?? 0,
        imported: 0,
        updated: 0,
        invalid: problem.invalid ?? 0,
        stored: false,
        report_url: problem.report_url,
        problems: problem.problems ?? [],
        rejected: { detail: problem.detail ?? '', detail_zh: problem.detail_zh ?? '' },
      }
    }
    throw new ApiError(res.status, { status: res.status, ...problem })
  },
}
