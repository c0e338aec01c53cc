SELECT current_query() AS q
  

