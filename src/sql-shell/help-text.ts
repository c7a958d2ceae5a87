/** `\?` of the built-in shell: the meta-commands it has (its own text, laid out like psql's). */
export const META_HELP = `Built-in SQL shell of devenv psql (used when no psql client is installed)

General
  \\q                     quit
  \\? | help              this help
  \\conninfo              the current connection
  \\c [DB|- [USER|-]]     connect to another database, or as another user
  \\timing [on|off]       show how long each command takes
  \\! [COMMAND]           run a shell command
  \\cd [DIR]              change the working directory

Query buffer
  \\g                     send the query buffer (or the last query again)
  \\p                     show the query buffer
  \\r                     clear the query buffer

Input/Output
  \\i FILE                run commands from a file
  \\ir FILE               as \\i, relative to the file being run
  \\echo [-n] TEXT        print text (\\warn: to stderr)
  \\copy ...              COPY with a client-side file, stdin/stdout or program

Informational (+ for more detail; PATTERN as in psql: * ? and "quoted" names)
  \\d[+] [PATTERN]        tables, views and sequences, or describe one
  \\dt[+] \\di[+] \\dv[+] \\ds[+]  tables, indexes, views, sequences
  \\df[+] [PATTERN]       functions
  \\dn[+] [PATTERN]       schemas
  \\du [PATTERN]          roles
  \\dx [PATTERN]          installed extensions
  \\l[+] [PATTERN]        databases

Formatting
  \\x [on|off|auto]       expanded output
  \\a                     aligned / unaligned output
  \\t [on|off]            rows only
  \\f [SEP]               field separator of unaligned output
  \\pset NAME [VALUE]     format, expanded, tuples_only, fieldsep, recordsep, csv_fieldsep, null, footer

Variables
  \\set [NAME [VALUE]]    set a variable (no arguments: list them); :NAME in SQL uses it
  \\unset NAME            remove a variable
  ON_ERROR_STOP=1 stops a script at its first error (exit status 3)
`;
