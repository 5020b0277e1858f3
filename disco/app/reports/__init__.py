"""What the Data, Evaluate and Model pages say: the catalog's report, an evaluation and the model card in words."""
