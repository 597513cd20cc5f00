/** looop's version, shown by `looop version` and embedded in release builds. */
export const VERSION = "0.1.0";
