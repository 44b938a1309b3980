/** buzz's own version, shown by --version and written into discovery files. */
export const VERSION = "0.1.0";
