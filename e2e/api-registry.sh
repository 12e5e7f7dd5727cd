#!/usr/bin/env bash
# End-to-end: the model registry dialect (/api/v1alpha1, docs/api.md "Model registry") of `aiarts serve`:
# a 5 MiB model version uploaded and downloaded through the registry routes (bytes compared), X-User
# checked against the token, a version name given twice refused. Shares e2e/api-crowd.sh's set-up.
E2E_DIALECT=registry exec "$(dirname "$0")/api-crowd.sh"
