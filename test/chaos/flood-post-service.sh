#!/bin/sh
# A post-service stand-in that floods its log as fast as it can (the `exec yes` of issue 11), for
# the chaos suite's flood checks. Its arguments are ignored.
exec yes "[2024-01-01T00:00:00Z INFO  post_service] flood: a line written as fast as the child can write"
