// Types of the Tongxin HTTP API (/api/v1). Keep in step with the Go handlers.

export type RoleCode =
  | 'system_admin'
  | 'subdistrict_admin'
  | 'dispatcher'
  | 'community_secretary'
  | 'community_staff'
  | 'grid_worker'
  | 'head'
  | 'department_handler'
  | 'enterprise_cadre'
  | 'volunteer_manager'
  | 'leader'
  | 'resident'
  | 'enterprise_user'

export interface RoleBinding {
  role: RoleCode | string
  area_code: string
  area_name: string
}

export interface User {
  id: number
  username: string
  display_name: string
  roles: RoleBinding[]
  permissions: string[]
}

export interface Session {
  user: User
  csrf_token: string
}

export type AreaLevel = 'district' | 'subdistrict' | 'community' | 'grid' | 'microgrid'

export interface Area {
  code: string
  name: string
  level: AreaLevel
  parent_code: string | null
  valid_from: string
  valid_to: string | null
}

export interface AreaList {
  items: Area[]
}

export interface Person {
  user_id: number | null
  name: string
  phone_masked: string
}

export type HeadKind = 'building' | 'road' | 'area'

export interface Head {
  kind: HeadKind | string
  name: string
  phone_masked: string
}

export interface Station {
  name: string
  address: string
}

export interface Duty {
  secretary: Person | null
  grid_workers: Person[]
  heads: Head[]
  station: Station | null
}

export interface AreaDetail {
  area: Area
  ancestors: Area[]
  duty: Duty
}

export interface BoundaryProperties {
  code: string
  name: string
  level: AreaLevel
  parent_code: string | null
  community_code: string
  community_name: string
}

export type Position = number[]

export interface PolygonGeometry {
  type: 'Polygon'
  coordinates: Position[][]
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

export interface BoundaryFeature {
  type: 'Feature'
  id?: string | number
  properties: BoundaryProperties
  geometry: PolygonGeometry | MultiPolygonGeometry
}

export interface BoundaryCollection {
  type: 'FeatureCollection'
  features: BoundaryFeature[]
}

export type Crs = 'wgs84' | 'gcj02' | 'bd09'

export interface LocateResult {
  microgrid: Area
  chain: Area[]
}

export interface UiSettings {
  tile_url: string
  tile_attribution: string
}

export interface FieldError {
  field: string
  rule: string
  detail: string
  detail_zh?: string
}

// RFC 9457 problem details, with the Tongxin extensions.
export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  detail_zh?: string
  code?: string
  errors?: FieldError[]
}
