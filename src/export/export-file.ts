/** A file an export target produces. */
export interface ExportFile {
  /** File name inside the output directory. */
  name: string;
  content: string;
  mode: number;
  /** Holds the user's own values once edited (secrets): written only when it does not exist yet. */
  keepExisting?: boolean;
}

/** What a target renders: its files and one line per thing it could not carry over. */
export interface ExportResult {
  files: ExportFile[];
  notes: string[];
}
