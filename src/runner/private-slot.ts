/**
 * State that rides on an object as a private field: invisible to reflection (no extra key, no
 * symbol), works on Proxies too, and costs no weak-table entry. A WeakMap from object to state
 * did the same, but its table grew with every re-run of 1,000 modules and V8 keeps a weak
 * table's size after GC (~0.5 MB each). Each call makes a slot of its own (one private name).
 */
class Stamp {
  constructor(target: object) {
    // Returning the target makes the subclass's private field land on it.
    return target;
  }
}

export interface PrivateSlot<T> {
  attach(target: object, value: T): void;
  read(target: object): T | undefined;
}

export function privateSlot<T>(): PrivateSlot<T> {
  class Slot extends Stamp {
    #value: T;
    constructor(target: object, value: T) {
      super(target);
      this.#value = value;
    }
    static read(target: object): T | undefined {
      return #value in target ? (target as Slot).#value : undefined;
    }
  }
  return {
    attach: (target, value) => void new Slot(target, value),
    read: (target) => Slot.read(target),
  };
}
