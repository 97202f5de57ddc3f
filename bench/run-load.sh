#!/bin/bash
# The load runs behind RESULTS.md, one after another (about 16 minutes).
# Run from the module root: bench/run-load.sh [postgres-dsn]
# Raw output goes to bench/results/. Needs a compilable ./cmd/steward.
set -eu
PG=${1:-'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'}
R=bench/results
mkdir -p "$R" bench/.tmp
go build -o bench/.tmp/steward ./cmd/steward
L="go run ./bench/load -start -bin bench/.tmp/steward -tmpdir bench/.tmp -duration 15s"
IDX=prefix-10pct,prefix-1pct,q-substring-10pct
$L -scenario create-versions                              > $R/load-create-versions-sqlite.txt
$L -scenario create-versions -db "$PG"                    > $R/load-create-versions-postgres.txt
$L -scenario list-models                                  > $R/load-list-models-sqlite.txt
$L -scenario list-models -db "$PG"                        > $R/load-list-models-postgres.txt
$L -scenario list-models -rate 200                        > $R/load-list-models-sqlite-rate200.txt
$L -scenario list-models -rate 200 -db "$PG"              > $R/load-list-models-postgres-rate200.txt
$L -scenario search-models -queries $IDX                  > $R/load-search-models-indexed-sqlite.txt
$L -scenario search-models -queries $IDX -db "$PG"        > $R/load-search-models-indexed-postgres.txt
$L -scenario search-models -queries $IDX -rate 200        > $R/load-search-models-indexed-sqlite-rate200.txt
$L -scenario search-models -queries $IDX -rate 200 -db "$PG" > $R/load-search-models-indexed-postgres-rate200.txt
$L -scenario search-models -queries q-substring-1-match -clients 1           > $R/load-search-models-fullscan-sqlite-1client.txt
$L -scenario search-models -queries q-substring-1-match -clients 1 -db "$PG" > $R/load-search-models-fullscan-postgres-1client.txt
$L -scenario upload-download -sizes 512M,2G               > $R/load-upload-download-sqlite.txt
$L -scenario cold-start                                   > $R/load-cold-start-sqlite.txt
$L -scenario cold-start -db "$PG"                         > $R/load-cold-start-postgres.txt
$L -scenario mlflow                                       > $R/load-mlflow-sqlite.txt
$L -scenario mlflow -db "$PG"                             > $R/load-mlflow-postgres.txt
$L -scenario lineage-queries                              > $R/load-lineage-queries-sqlite.txt
$L -scenario lineage-queries -db "$PG"                    > $R/load-lineage-queries-postgres.txt
$L -scenario openlineage                                  > $R/load-openlineage-sqlite.txt
$L -scenario openlineage -db "$PG"                        > $R/load-openlineage-postgres.txt
rm -f bench/.tmp/steward
