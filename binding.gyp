{
  "targets": [
    {
      "target_name": "ner_blas",
      "sources": ["native/blas.c", "native/elementwise.c", "native/lstm.c", "native/attention.c"],
      "cflags": ["-O3", "-std=c11"],
      "libraries": ["-lopenblas"]
    }
  ]
}
