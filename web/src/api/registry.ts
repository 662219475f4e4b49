// The registry (实有人口 · 实有房屋 · 一户一档): buildings, houses, households,
// persons, the household file, search and the new-citizen figures.
import { request } from './client'
import type {
  RegAppeal,
  RegBuilding,
  RegChange,
  RegHouse,
  RegHousehold,
  RegHouseholdFile,
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
  households(q: { area?: string; house_id?: number; include_closed?: boolean; limit?: number }): Promise<RegPage<RegHousehold>> {
    return request(`${R}/households`, { query: { ...q } })
  },
  file(id: number): Promise<RegHouseholdFile> {
    return request(`${R}/households/${id}/file`)
  },
  addAppeal(householdID: number, content: string): Promise<RegAppeal> {
    return request(`${R}/households/${householdID}/appeals`, { method: 'POST', body: { content } })
  },
  addVisit(householdID: number, note: string): Promise<RegVisit> {
    return request(`${R}/households/${householdID}/visits`, { method: 'POST', body: { note } })
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
}
