/**
 * The open-addressing hash table under the typed-array indexes: linear probing over `capacity`
 * slots (a power of two) of `width` words each in one Uint32Array, a slot's first word the entry's
 * hash with the low bit set (0 = empty; see hashText). What the other words hold, and how an entry
 * is recognised, is the owner's. Deletion shifts the rest of the probe run back, so there are no
 * tombstones and a table that churns (keys expiring as fast as new ones come) never degrades.
 */
export interface HashSlots {
  capacity: number;
  /** entries in use */
  size: number;
  slots: Uint32Array;
}

export const MAX_LOAD = 0.7;

export function newHashSlots(capacity: number, width: number): HashSlots {
  return { capacity, size: 0, slots: new Uint32Array(capacity * width) };
}

/** The first empty slot of the hash's probe run (the table must have room: see makeRoom). */
export function emptySlotFor(table: HashSlots, width: number, hash: number): number {
  const mask = table.capacity - 1;
  let i = hash & mask;
  while ((table.slots[i * width] as number) !== 0) i = (i + 1) & mask;
  return i;
}

/** Doubles the table if one more entry would pass the load limit; slots move, entries do not. */
export function makeRoom(table: HashSlots, width: number): void {
  if (table.size + 1 <= table.capacity * MAX_LOAD) return;
  const old = table.slots;
  const oldCapacity = table.capacity;
  table.capacity = oldCapacity * 2;
  table.slots = new Uint32Array(table.capacity * width);
  for (let s = 0; s < oldCapacity; s++) {
    const h = old[s * width] as number;
    if (h === 0) continue;
    // word by word: a subarray per slot would allocate a view for each of millions of entries
    const to = emptySlotFor(table, width, h) * width;
    for (let w = 0; w < width; w++) table.slots[to + w] = old[s * width + w] as number;
  }
}

/** Empties a slot; later entries of its probe run shift back into the hole. */
export function removeSlot(table: HashSlots, width: number, slot: number): void {
  const mask = table.capacity - 1;
  const slots = table.slots;
  let hole = slot;
  for (let j = (slot + 1) & mask; (slots[j * width] as number) !== 0; j = (j + 1) & mask) {
    const home = (slots[j * width] as number) & mask;
    const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
    if (stays) continue;
    slots.copyWithin(hole * width, j * width, j * width + width);
    hole = j;
  }
  slots[hole * width] = 0;
  table.size--;
}
