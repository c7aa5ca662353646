;; memory minimum 300 pages (18.75 MiB), over a 16 MiB tier
(module (memory 300))
