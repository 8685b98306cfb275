#!/bin/sh
# One-shot, once the server answers: the namespace and the search attributes the ccm
# workflows upsert and the lists filter on. Each step is skipped when already done.
set -eu
namespace=${CCM_NAMESPACE:-default}
temporal operator namespace describe --namespace "$namespace" >/dev/null 2>&1 ||
    temporal operator namespace create --namespace "$namespace" --retention 30d
# A new namespace is served once every frontend has refreshed its cache (seconds).
tries=0
until attributes=$(temporal operator search-attribute list --namespace "$namespace" 2>/dev/null); do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
        echo "namespace $namespace is not served after 60 s" >&2
        exit 1
    fi
    sleep 1
done
for attribute in CcmState=Keyword CcmYear=Int CcmStage=Keyword CcmTheme=Keyword CcmOwner=Keyword CcmDue=Datetime; do
    name=${attribute%%=*}
    echo "$attributes" | grep -qw "$name" ||
        temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "${attribute#*=}"
done
echo "namespace $namespace ready"
