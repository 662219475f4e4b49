import type { Rating } from '../api/types'

/** What the action popup asks for. */
export interface ActionSpec {
  name: string
  title: string
  noteLabel: string
  notePlaceholder: string
  /** The message shown when the required note is empty; no message: optional. */
  noteRequired?: string
  passed?: boolean
  rating?: boolean
  photos?: boolean
}

export interface ActionValues {
  note: string
  passed: boolean
  rating: Rating
  reopen: boolean
  photos: File[]
}
