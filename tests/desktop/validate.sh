#!/bin/sh
# Validates the desktop file (desktop-file-validate) or the AppStream
# metainfo (appstreamcli validate, without the network).  Warnings fail the
# test as errors do; hints do not.  Skips (77) only when the validator is
# not installed.
#   validate.sh desktop FILE | validate.sh metainfo FILE
set -u
kind=$1
file=$2
case $kind in
  desktop) tool=desktop-file-validate; package=desktop-file-utils ;;
  metainfo) tool=appstreamcli; package=appstream ;;
  *) echo "validate.sh: unknown kind $kind" >&2; exit 2 ;;
esac
if ! command -v "$tool" > /dev/null; then
  echo "SKIP: $tool is not installed (apt install $package)"
  exit 77
fi
if [ "$kind" = desktop ]; then
  out=$(desktop-file-validate "$file" 2>&1)
  status=$?
else
  out=$(appstreamcli validate --no-net --no-color "$file" 2>&1)
  status=$?
fi
printf '%s\n' "$out"
if [ $status -ne 0 ]; then
  echo "FAIL: $tool rejected $file (exit $status)"
  exit 1
fi
# desktop-file-validate exits 0 on warnings; treat them as failures.
if printf '%s\n' "$out" | grep -Eq '(^|: )(error|warning): '; then
  echo "FAIL: $tool reported errors or warnings for $file"
  exit 1
fi
echo "ok $file is valid ($tool)"
