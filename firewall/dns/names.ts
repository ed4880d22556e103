// DNS names as cordon compares them. Pure.

/** Lowercase, no trailing dot. */
export const canonicalName = (name: string) => name.toLowerCase().replace(/\.$/, "");
