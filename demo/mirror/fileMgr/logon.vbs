<?xml version='1.0' encoding='UTF-8'?>
<entity type="fileMgr" name="logon.vbs">
  <variable name="ft_hash">
    <value indx="1" modified="2012-10-01T09:00:00">Hl1w57kbXAwHYlRHPRRolHxHZ22TWGDM7a0Bf+48DFo=</value>
  </variable>
  <variable name="ft_instance">
    <value indx="1" modified="2012-10-01T09:00:00">w7appservers</value>
  </variable>
  <variable name="ft_prev_hash">
    <value indx="1" modified="2012-10-01T09:00:00">X0wWObe64qiVX9tOhnp5+A+sbBO2GTsil5LQZgVfqpo=</value>
  </variable>
  <variable name="ft_template">
    <value indx="1" modified="2012-10-01T09:00:00">no</value>
  </variable>
  <variable name="group">
    <value indx="1" modified="2012-10-01T09:00:00">root</value>
  </variable>
  <variable name="mode">
    <value indx="1" modified="2012-10-01T09:00:00">0644</value>
  </variable>
  <variable name="owner">
    <value indx="1" modified="2012-10-01T09:00:00">root</value>
  </variable>
  <variable name="path">
    <value indx="1" modified="2012-10-01T09:00:00">/win98/netlogon/logon.vbs</value>
  </variable>
</entity>
