#!/usr/bin/env bash
# What bench/migrate compares `stowage migrate` with: rclone and the AWS CLI, from Debian.
# Only for benchmarks: the tests need neither. Call the CLI as /usr/bin/aws (a pyenv or pip
# shim may come first on PATH).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq rclone awscli
/usr/bin/rclone version | head -1
/usr/bin/aws --version
