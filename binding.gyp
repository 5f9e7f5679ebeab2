{
  "targets": [
    {
      "target_name": "ner_blas",
      "sources": ["native/blas.c"],
      "cflags": ["-O2", "-std=c11"],
      "libraries": ["-lopenblas"]
    }
  ]
}
